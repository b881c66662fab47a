"""Settings read the environment: embedded defaults, production refuses an insecure start."""

import os
import subprocess
import sys

from django.conf import settings

PROD_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-check-0123456789-abcdefgh",
    "CUSTOMER_KEY_SECRET": "another-secret",
    "ALLOWED_HOSTS": "cx.example.com",
    "DATABASE_URL": "sqlite:////tmp/cxmonitor-settings-check.sqlite3",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_defaults_follow_redis_url() -> None:
    if settings.REDIS_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
        assert settings.CELERY_BROKER_URL == settings.REDIS_URL
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
        assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert settings.TIME_ZONE == "UTC"
    assert settings.USE_TZ is True


def test_database_url_selects_the_engine() -> None:
    url = os.environ.get("DATABASE_URL", "")
    engine = settings.DATABASES["default"]["ENGINE"]
    if url.startswith("postgres"):
        assert engine == "django.db.backends.postgresql"
    else:
        assert engine == "django.db.backends.sqlite3"


def test_production_without_secret_key_refuses_to_start() -> None:
    env = {**PROD_ENV}
    env.pop("SECRET_KEY")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_with_production_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_redis_url_switches_broker_and_cache() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'])"
    )
    env = {"REDIS_URL": "redis://127.0.0.1:6399/3", "DJANGO_SETTINGS_MODULE": "cxmonitor.settings"}
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == [
        "redis://127.0.0.1:6399/3",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_production_refuses_the_published_development_secrets() -> None:
    from cxmonitor.settings import _DEV_CUSTOMER_KEY_SECRET, _DEV_SECRET_KEY

    for name, value in (
        ("SECRET_KEY", _DEV_SECRET_KEY),
        ("CUSTOMER_KEY_SECRET", _DEV_CUSTOMER_KEY_SECRET),
    ):
        result = _manage("check", "--deploy", env={**PROD_ENV, name: value})
        assert result.returncode != 0, name
        assert "not the development keys" in result.stderr, name
