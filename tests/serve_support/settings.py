"""The platform's settings plus a deliberately slow page (``/_test/slow/?seconds=N``), to stop a server
while a request is in progress."""

from xinyong.settings import *  # noqa: F403

ROOT_URLCONF = "tests.serve_support.urls"
