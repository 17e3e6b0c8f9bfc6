"""Reading configuration from the environment, and refusing unsafe production values."""

from __future__ import annotations

import os
import secrets
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
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Another process may have written it meanwhile: create exclusively, then re-read.
    try:
        with path.open("x") as handle:
            handle.write(key)
        path.chmod(0o600)
    except FileExistsError:
        pass
    return path.read_text().strip()


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
    return problems


def check_production_settings(settings: dict[str, Any]) -> None:
    problems = production_problems(settings)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production mode:\n- " + "\n- ".join(problems)
        )
