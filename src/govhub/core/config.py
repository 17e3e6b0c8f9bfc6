"""Reading configuration from the environment, and refusing unsafe production values."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean variable; anything but a clear yes/no is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_list(name: str, *, default: list[str]) -> list[str]:
    """Read a comma-separated list; an unset variable gives the default."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def load_or_create_secret_key(path: Path, *, production: bool) -> str:
    """The embedded setup keeps a generated key under var/; production must set SECRET_KEY."""
    if production:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production mode (GOVHUB_ENV=production)."
        )
    return load_or_create_key_file(path, generate=lambda: secrets.token_urlsafe(50))


def load_or_create_key_file(path: Path, *, generate: Callable[[], str]) -> str:
    """The key kept in `path`, written there (mode 0600) from `generate()` the first time.

    For development keys only; production takes its keys from the environment.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate()
    # Another process may have written it meanwhile: create exclusively, then re-read.
    try:
        with path.open("x") as handle:
            handle.write(key)
        path.chmod(0o600)
    except FileExistsError:
        pass
    return path.read_text().strip()


def development_field_key(var_dir: Path) -> str:
    """The development Fernet key, generated once into `var_dir/field_key`."""
    from cryptography.fernet import Fernet

    return load_or_create_key_file(
        var_dir / "field_key", generate=lambda: Fernet.generate_key().decode("ascii")
    )


def development_lookup_key(var_dir: Path) -> str:
    """The development look-up hash key, generated once into `var_dir/lookup_key`."""
    return load_or_create_key_file(
        var_dir / "lookup_key", generate=lambda: secrets.token_urlsafe(48)
    )


def field_key_problems(settings: dict[str, Any]) -> list[str]:
    """What is wrong with GOVHUB_FIELD_KEYS and GOVHUB_LOOKUP_KEY (see core.crypto)."""
    from cryptography.fernet import Fernet

    problems: list[str] = []
    keys = settings.get("GOVHUB_FIELD_KEYS") or []
    if not keys:
        problems.append(
            "GOVHUB_FIELD_KEYS must be set in production: comma-separated Fernet keys, "
            "the current one first (generate one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(
                f"GOVHUB_FIELD_KEYS: key {position} is not a Fernet key "
                "(URL-safe base64 of 32 bytes)."
            )
    lookup_key = str(settings.get("GOVHUB_LOOKUP_KEY") or "")
    if len(lookup_key) < 32 or len(set(lookup_key)) < 5:
        problems.append(
            "GOVHUB_LOOKUP_KEY must be set in production: at least 32 random characters "
            "(it keys the look-up hashes of ID numbers; never change it without rehashing)."
        )
    return problems


def sms_problems(settings: dict[str, Any]) -> list[str]:
    """What is wrong with the SMS gateway for production (see identity.sms)."""
    backend = str(settings.get("GOVHUB_SMS_BACKEND") or "")
    if backend != "http":
        return [
            f"GOVHUB_SMS_BACKEND is {backend!r}: production sends codes through a real "
            "gateway (GOVHUB_SMS_BACKEND=http with GOVHUB_SMS_HTTP_URL); "
            "'console', 'file' and 'locmem' only pretend to send."
        ]
    if not str(settings.get("GOVHUB_SMS_HTTP_URL") or "").startswith("https://"):
        return ["GOVHUB_SMS_HTTP_URL must be the gateway's https:// address in production."]
    return []


def oidc_problems(settings: dict[str, Any]) -> list[str]:
    """What is wrong with the OpenID provider's configuration (see identity.oidc.keys)."""
    problems: list[str] = []
    if not (settings.get("OAUTH2_PROVIDER") or {}).get("OIDC_RSA_PRIVATE_KEY"):
        problems.append(
            "The OpenID provider needs a signing key: set GOVHUB_OIDC_PRIVATE_KEY (PEM) "
            "or GOVHUB_OIDC_KEY_DIR (a directory of *.pem keys)."
        )
    if not str(settings.get("GOVHUB_OIDC_ISSUER") or "").startswith("https://"):
        problems.append(
            "GOVHUB_OIDC_ISSUER must be this site's https:// origin (the OpenID issuer)."
        )
    return problems


def production_problems(settings: dict[str, Any]) -> list[str]:
    """Every unsafe value in a production configuration, each named by its variable."""
    problems: list[str] = []
    if settings.get("DEBUG"):
        problems.append("DEBUG must be off in production (unset DEBUG or set DEBUG=0).")
    key = str(settings.get("SECRET_KEY", ""))
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure"):
        problems.append("SECRET_KEY is too short or weak: use at least 50 random characters.")
    hosts = settings.get("ALLOWED_HOSTS") or []
    if not hosts or "*" in hosts:
        problems.append("ALLOWED_HOSTS must list this site's host names, and not '*'.")
    if not settings.get("SESSION_COOKIE_SECURE"):
        problems.append("SECURE_COOKIES must be on in production (cookies only over HTTPS).")
    engine = settings.get("DATABASES", {}).get("default", {}).get("ENGINE", "")
    if engine.endswith("sqlite3") and not settings.get("GOVHUB_ALLOW_SQLITE_IN_PRODUCTION"):
        problems.append(
            "DATABASE_URL points to SQLite: production needs PostgreSQL "
            "(or set GOVHUB_ALLOW_SQLITE_IN_PRODUCTION=1 for a single-machine pilot)."
        )
    problems.extend(field_key_problems(settings))
    problems.extend(sms_problems(settings))
    problems.extend(oidc_problems(settings))
    return problems


def check_production_settings(settings: dict[str, Any]) -> None:
    problems = production_problems(settings)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production mode:\n- " + "\n- ".join(problems)
        )
