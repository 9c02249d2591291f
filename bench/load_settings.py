"""Settings of the server ``bench/load.py`` measures: the platform's own, plus the bare baseline view."""

from xinyong.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
