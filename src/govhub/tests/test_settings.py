"""One code base, two setups: the same settings module, configured only by the environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.core.files.storage import storages
from django.tasks import task_backends
out = {
    "cache": settings.CACHES["default"]["BACKEND"],
    "sessions": settings.SESSION_ENGINE,
    "tasks": type(task_backends["default"]).__name__,
    "storage": type(storages["default"]).__name__,
    "db": settings.DATABASES["default"]["ENGINE"],
}
if "redis" in out["cache"]:
    from django.core.cache import cache
    cache.set("govhub-settings-probe", "ok", 30)
    out["cache_roundtrip"] = cache.get("govhub-settings-probe")
print(json.dumps(out))
"""


def _probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "S3_BUCKET", "TASK_BACKEND", "GOVHUB_ENV"}
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={
            **base,
            "GOVHUB_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "govhub.settings",
            "PYTHONPATH": str(PROJECT / "src"),
            **env,
        },
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
    )


def test_embedded_defaults(tmp_path):
    result = _probe(tmp_path)
    assert result.returncode == 0, result.stderr
    setup = json.loads(result.stdout)
    assert setup == {
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "sessions": "django.contrib.sessions.backends.db",
        "tasks": "DatabaseBackend",
        "storage": "FileSystemStorage",
        "db": "django.db.backends.sqlite3",
    }
    assert (tmp_path / "secret_key").exists()


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_scale_out_setup_uses_redis_rq_and_object_storage(tmp_path):
    if not _redis_reachable() and not os.environ.get("CI"):
        pytest.skip("no Redis on 127.0.0.1:6379 on this machine (CI has one)")
    result = _probe(
        tmp_path,
        REDIS_URL="redis://127.0.0.1:6379/15",
        S3_BUCKET="govhub-media",
        S3_ENDPOINT_URL="http://127.0.0.1:9",
        S3_ACCESS_KEY_ID="test",
        S3_SECRET_ACCESS_KEY="test",
        DATABASE_URL="postgres://govhub@127.0.0.1:5432/govhub",
    )
    assert result.returncode == 0, result.stderr
    setup = json.loads(result.stdout)
    assert setup == {
        "cache": "django.core.cache.backends.redis.RedisCache",
        "sessions": "django.contrib.sessions.backends.cache",
        "tasks": "RQBackend",
        "storage": "S3Storage",
        "db": "django.db.backends.postgresql",
        "cache_roundtrip": "ok",
    }


def test_production_refuses_unsafe_settings_and_names_them(tmp_path):
    result = _probe(
        tmp_path,
        GOVHUB_ENV="production",
        SECRET_KEY="short",
        DEBUG="1",
        ALLOWED_HOSTS="*",
        SECURE_COOKIES="0",
    )
    assert result.returncode != 0
    for named in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_COOKIES", "DATABASE_URL"):
        assert named in result.stderr, named


def test_production_without_secret_key_refuses(tmp_path):
    result = _probe(tmp_path, GOVHUB_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _signing_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_production_with_safe_settings_starts(tmp_path):
    result = _probe(
        tmp_path,
        GOVHUB_ENV="production",
        GOVHUB_OIDC_PRIVATE_KEY=_signing_key_pem(),
        GOVHUB_OIDC_ISSUER="https://zwfw.hegang.gov.cn",
        SECRET_KEY="k" * 20 + "Zx9-Qw3_Lm7pR2tY8vB4nC6" + "a1b2c3d4e5f6g7h8",
        ALLOWED_HOSTS="zwfw.hegang.gov.cn",
        DATABASE_URL="postgres://govhub@127.0.0.1:5432/govhub",
        GOVHUB_FIELD_KEYS="9QzLh0v3R2nJ8k1YxWq7sUe5tPa4Gb6Mc0Dd2Ff3Hh4=",
        GOVHUB_LOOKUP_KEY="lk7-Qp2vN8sT5wY7zA1bC4dE6fG0hI_jK2lM3nO4",
        GOVHUB_SMS_BACKEND="http",
        GOVHUB_SMS_HTTP_URL="https://sms.example.gov.cn/send",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["db"] == "django.db.backends.postgresql"


def test_production_refuses_missing_field_encryption_keys(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    # Everything else is safe (an OpenID signing key too), so the field keys are what fails.
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    result = _probe(
        tmp_path,
        GOVHUB_ENV="production",
        GOVHUB_OIDC_PRIVATE_KEY=pem,
        SECRET_KEY="k" * 20 + "Zx9-Qw3_Lm7pR2tY8vB4nC6" + "a1b2c3d4e5f6g7h8",
        ALLOWED_HOSTS="zwfw.hegang.gov.cn",
        DATABASE_URL="postgres://govhub@127.0.0.1:5432/govhub",
    )
    assert result.returncode != 0
    assert "GOVHUB_FIELD_KEYS" in result.stderr
    assert "GOVHUB_LOOKUP_KEY" in result.stderr
    # Production never falls back to generated development keys.
    assert not (tmp_path / "field_key").exists()
    assert not (tmp_path / "lookup_key").exists()
