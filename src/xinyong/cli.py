"""The ``xinyong`` console command: a thin wrapper around Django's manage.py.

``xinyong serve`` starts the web server, ``xinyong migrate`` migrates, ``xinyong createuser`` creates a
console user, ``xinyong demo`` loads demo data; every other Django or xinyong management command works
too (``xinyong help`` lists them).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    from django.core.management import execute_from_command_line

    argv[0] = "xinyong"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
