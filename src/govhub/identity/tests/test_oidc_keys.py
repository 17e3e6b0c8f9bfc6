"""Signing keys: where they come from, rotation, and the JWKS publishing old keys."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from joserfc import jwt
from joserfc.jwk import KeySet

from govhub.identity.oidc import keys
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.identity.tests.oidc_support import get_tokens, make_client, sign_in

KEY_A = keys.generate_private_key_pem()
KEY_B = keys.generate_private_key_pem()


@pytest.fixture
def no_key_env(monkeypatch):
    for name in ("GOVHUB_OIDC_PRIVATE_KEY", "GOVHUB_OIDC_PREVIOUS_KEYS", "GOVHUB_OIDC_KEY_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_development_generates_one_key_once(tmp_path, no_key_env):
    first = keys.load_signing_keys(tmp_path / "k", production=False)
    again = keys.load_signing_keys(tmp_path / "k", production=False)
    assert len(first) == 1 and first == again
    assert oct((tmp_path / "k" / "0-initial.pem").stat().st_mode & 0o777) == "0o600"


def test_production_generates_nothing_and_the_check_names_the_variable(tmp_path, no_key_env):
    assert keys.load_signing_keys(tmp_path, production=True) == []
    assert not any(tmp_path.iterdir())
    problem = keys.production_problem({"OIDC_RSA_PRIVATE_KEY": ""})
    assert "GOVHUB_OIDC_PRIVATE_KEY" in problem and "GOVHUB_OIDC_KEY_DIR" in problem
    assert keys.production_problem({"OIDC_RSA_PRIVATE_KEY": KEY_A}) == ""


def test_keys_from_the_environment_current_first(tmp_path, no_key_env, monkeypatch):
    monkeypatch.setenv("GOVHUB_OIDC_PRIVATE_KEY", KEY_A.replace("\n", "\\n"))
    monkeypatch.setenv("GOVHUB_OIDC_PREVIOUS_KEYS", KEY_B)
    loaded = keys.load_signing_keys(tmp_path, production=True)
    assert [pem.strip() for pem in loaded] == [KEY_A.strip(), KEY_B.strip()]
    assert not any(tmp_path.iterdir())


def test_a_broken_key_is_a_configuration_error(tmp_path, no_key_env, monkeypatch):
    monkeypatch.setenv("GOVHUB_OIDC_PRIVATE_KEY", KEY_A.replace("MII", "XXX", 1))
    with pytest.raises(ImproperlyConfigured):
        keys.load_signing_keys(tmp_path, production=True)


def test_rotate_command_adds_a_current_key_and_prunes_old_ones(
    tmp_path, no_key_env, settings, monkeypatch
):
    directory = tmp_path / "keys"
    monkeypatch.setenv("GOVHUB_OIDC_KEY_DIR", str(directory))
    with pytest.raises(ImproperlyConfigured):  # an empty configured directory
        keys.load_signing_keys(directory, production=True)
    keys.write_new_key(directory, name="0-initial.pem")
    initial = keys.load_signing_keys(directory, production=True)
    for _ in range(3):
        call_command("oidc_rotate_key", stdout=io.StringIO())
    loaded = keys.load_signing_keys(directory, production=True)
    assert len(loaded) == 1 + keys.KEEP_PREVIOUS
    assert initial[0] not in loaded  # pruned after three rotations
    assert not (directory / "0-initial.pem").exists()


def test_rotate_command_refuses_env_keys(no_key_env, monkeypatch):
    monkeypatch.setenv("GOVHUB_OIDC_PRIVATE_KEY", KEY_A)
    with pytest.raises(CommandError, match="secret store"):
        call_command("oidc_rotate_key")


@pytest.mark.django_db
def test_tokens_signed_before_a_rotation_still_verify(client, settings):
    provider = settings.OAUTH2_PROVIDER
    settings.OAUTH2_PROVIDER = {
        **provider,
        "OIDC_RSA_PRIVATE_KEY": KEY_A,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [],
    }
    make_client(trusted=True)
    sign_in(client, VerifiedPersonFactory())
    before = get_tokens(client)["id_token"]

    settings.OAUTH2_PROVIDER = {
        **provider,
        "OIDC_RSA_PRIVATE_KEY": KEY_B,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [KEY_A],
    }
    after = get_tokens(client)["id_token"]
    jwks = json.loads(client.get("/oauth/jwks.json").content)
    assert len(jwks["keys"]) == 2
    key_set = KeySet.import_key_set(jwks)
    kids = {jwt.decode(token, key_set).header["kid"] for token in (before, after)}
    assert len(kids) == 2  # signed by different keys, both published
    assert kids == {key["kid"] for key in jwks["keys"]}
