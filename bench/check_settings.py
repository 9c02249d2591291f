"""Settings of the server ``bench/check.py`` measures: the platform's own, plus the bare JSON view."""

from xinyong.settings import *  # noqa: F403

ROOT_URLCONF = "check_urls"
