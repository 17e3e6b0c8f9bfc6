import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhub.core.config import (
    check_production_settings,
    env_bool,
    env_list,
    load_or_create_secret_key,
    production_problems,
)

STRONG_KEY = "k3Jx9-QpL2vN8sT5wY7zA1bC4dE6fG0hI_jK2lM3nO4pQ5rS6tU7"
FIELD_KEY = "9QzLh0v3R2nJ8k1YxWq7sUe5tPa4Gb6Mc0Dd2Ff3Hh4="
LOOKUP_KEY = "lk7-Qp2vN8sT5wY7zA1bC4dE6fG0hI_jK2lM3nO4"


def safe_settings(**overrides):
    settings = {
        "DEBUG": False,
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": ["zwfw.hegang.example"],
        "SESSION_COOKIE_SECURE": True,
        "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql"}},
        "GOVHUB_ALLOW_SQLITE_IN_PRODUCTION": False,
        "GOVHUB_FIELD_KEYS": [FIELD_KEY],
        "GOVHUB_LOOKUP_KEY": LOOKUP_KEY,
        "GOVHUB_SMS_BACKEND": "http",
        "GOVHUB_SMS_HTTP_URL": "https://sms.example.gov.cn/send",
        "OAUTH2_PROVIDER": {"OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----…"},
        "GOVHUB_OIDC_ISSUER": "https://zwfw.hegang.example",
    }
    settings.update(overrides)
    return settings


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "Yes", " on "])
def test_env_bool_true(monkeypatch, raw):
    monkeypatch.setenv("GOVHUB_TEST_FLAG", raw)
    assert env_bool("GOVHUB_TEST_FLAG", default=False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF", ""])
def test_env_bool_false(monkeypatch, raw):
    monkeypatch.setenv("GOVHUB_TEST_FLAG", raw)
    assert env_bool("GOVHUB_TEST_FLAG", default=True) is False


def test_env_bool_default(monkeypatch):
    monkeypatch.delenv("GOVHUB_TEST_FLAG", raising=False)
    assert env_bool("GOVHUB_TEST_FLAG", default=True) is True
    assert env_bool("GOVHUB_TEST_FLAG", default=False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y", "enabled"])
def test_env_bool_rejects_junk_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("GOVHUB_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="GOVHUB_TEST_FLAG"):
        env_bool("GOVHUB_TEST_FLAG", default=False)


def test_env_list(monkeypatch):
    monkeypatch.delenv("GOVHUB_TEST_LIST", raising=False)
    default = ["a"]
    result = env_list("GOVHUB_TEST_LIST", default=default)
    assert result == ["a"] and result is not default
    monkeypatch.setenv("GOVHUB_TEST_LIST", " x.example , ,y.example,")
    assert env_list("GOVHUB_TEST_LIST", default=default) == ["x.example", "y.example"]
    monkeypatch.setenv("GOVHUB_TEST_LIST", "")
    assert env_list("GOVHUB_TEST_LIST", default=default) == []


def test_a_safe_production_configuration_has_no_problems():
    assert production_problems(safe_settings()) == []
    check_production_settings(safe_settings())


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DEBUG": True}, "DEBUG"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + STRONG_KEY}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": []}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ["*"]}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ["zwfw.hegang.example", "*"]}, "ALLOWED_HOSTS"),
        ({"SESSION_COOKIE_SECURE": False}, "SECURE_COOKIES"),
        ({"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3"}}}, "DATABASE_URL"),
        ({"GOVHUB_FIELD_KEYS": []}, "GOVHUB_FIELD_KEYS"),
        ({"GOVHUB_FIELD_KEYS": [FIELD_KEY, "not-a-fernet-key"]}, "GOVHUB_FIELD_KEYS"),
        ({"GOVHUB_LOOKUP_KEY": ""}, "GOVHUB_LOOKUP_KEY"),
        ({"GOVHUB_LOOKUP_KEY": "short"}, "GOVHUB_LOOKUP_KEY"),
        ({"GOVHUB_SMS_BACKEND": "file"}, "GOVHUB_SMS_BACKEND"),
        ({"GOVHUB_SMS_BACKEND": "console"}, "GOVHUB_SMS_BACKEND"),
        ({"GOVHUB_SMS_HTTP_URL": ""}, "GOVHUB_SMS_HTTP_URL"),
        ({"GOVHUB_SMS_HTTP_URL": "http://sms.example.gov.cn/send"}, "GOVHUB_SMS_HTTP_URL"),
        ({"OAUTH2_PROVIDER": {}}, "GOVHUB_OIDC_PRIVATE_KEY"),
        ({"GOVHUB_OIDC_ISSUER": "http://zwfw.hegang.example"}, "GOVHUB_OIDC_ISSUER"),
    ],
)
def test_each_unsafe_setting_is_named(overrides, named):
    problems = production_problems(safe_settings(**overrides))
    assert len(problems) == 1
    assert named in problems[0]


def test_sqlite_may_be_allowed_for_a_pilot():
    settings = safe_settings(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3"}},
        GOVHUB_ALLOW_SQLITE_IN_PRODUCTION=True,
    )
    assert production_problems(settings) == []


def test_every_problem_is_reported_at_once():
    settings = safe_settings(
        DEBUG=True, SECRET_KEY="x", ALLOWED_HOSTS=["*"], SESSION_COOKIE_SECURE=False
    )
    with pytest.raises(ImproperlyConfigured) as info:
        check_production_settings(settings)
    message = str(info.value)
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_COOKIES"):
        assert name in message


def test_secret_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = load_or_create_secret_key(path, production=False)
    assert len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret_key(path, production=False) == key


def test_production_never_generates_a_secret_key(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_or_create_secret_key(tmp_path / "secret_key", production=True)
    assert not (tmp_path / "secret_key").exists()
