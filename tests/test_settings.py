import subprocess
import sys


def run_settings(env: dict) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "xinyong.settings"}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_development_secrets():
    result = run_settings({"XINYONG_ENV": "production", "DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert result.returncode != 0
    assert "XINYONG_SECRET_KEY" in result.stderr
    assert "XINYONG_ENCRYPTION_KEY" in result.stderr


def test_production_starts_with_real_secrets():
    result = run_settings(
        {
            "XINYONG_ENV": "production",
            "DATABASE_URL": "postgres://x@127.0.0.1/x",
            "XINYONG_SECRET_KEY": "s" * 50,
            "XINYONG_ENCRYPTION_KEY": "1pI3Xm0vTqgD6nU4XUNhR3l1c3o1cTk1cmU3ZmVybmU=",
            "XINYONG_HMAC_KEY": "h" * 40,
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_defaults_run_in_debug():
    result = run_settings({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
