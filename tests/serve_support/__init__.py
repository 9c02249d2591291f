"""Support for the ``xinyong serve`` tests: a settings module with a slow page, and stand-in children."""
