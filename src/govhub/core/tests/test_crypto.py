import stat

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from govhub.core import crypto
from govhub.core.config import development_field_key, development_lookup_key
from govhub.core.crypto import (
    DecryptionError,
    decrypt_text,
    encrypt_text,
    generate_field_key,
    lookup_hash,
    needs_rotation,
    rotate_text,
)

OLD_KEY = generate_field_key()
NEW_KEY = generate_field_key()


@pytest.fixture
def old_key(settings):
    settings.GOVHUB_FIELD_KEYS = [OLD_KEY]
    return OLD_KEY


def test_round_trip_of_an_id_number():
    token = encrypt_text("23040419781105024X")
    assert token != "23040419781105024X"
    assert "230404" not in token
    assert decrypt_text(token) == "23040419781105024X"


def test_the_same_value_encrypts_differently_each_time():
    assert encrypt_text("13800000001") != encrypt_text("13800000001")


@given(st.text())
def test_round_trip_of_any_text(value):
    assert decrypt_text(encrypt_text(value)) == value


def test_a_token_of_another_key_is_refused(old_key, settings):
    token = encrypt_text("secret")
    settings.GOVHUB_FIELD_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError):
        decrypt_text(token)


@pytest.mark.parametrize("junk", ["", "not a token", "gAAAAA", "密文"])
def test_junk_is_refused(junk):
    with pytest.raises(DecryptionError):
        decrypt_text(junk)


def test_rotation_new_key_first_old_values_still_read(old_key, settings):
    token = encrypt_text("230402198503120412")
    settings.GOVHUB_FIELD_KEYS = [NEW_KEY, OLD_KEY]
    assert decrypt_text(token) == "230402198503120412"
    assert needs_rotation(token)
    rotated = rotate_text(token)
    assert not needs_rotation(rotated)
    assert not needs_rotation(encrypt_text("x"))
    # Once every value is rotated the old key can go.
    settings.GOVHUB_FIELD_KEYS = [NEW_KEY]
    assert decrypt_text(rotated) == "230402198503120412"
    with pytest.raises(DecryptionError):
        decrypt_text(token)


def test_new_values_are_encrypted_with_the_first_key(settings):
    settings.GOVHUB_FIELD_KEYS = [NEW_KEY, OLD_KEY]
    token = encrypt_text("x")
    assert Fernet(NEW_KEY).decrypt(token.encode()) == b"x"


def test_keys_may_be_given_as_a_comma_separated_string(settings):
    settings.GOVHUB_FIELD_KEYS = f"{NEW_KEY}, {OLD_KEY}"
    assert Fernet(NEW_KEY).decrypt(encrypt_text("x").encode()) == b"x"


def test_missing_or_malformed_keys_are_configuration_errors(settings):
    settings.GOVHUB_FIELD_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="GOVHUB_FIELD_KEYS"):
        encrypt_text("x")
    settings.GOVHUB_FIELD_KEYS = ["too-short"]
    with pytest.raises(ImproperlyConfigured, match="GOVHUB_FIELD_KEYS"):
        encrypt_text("x")
    settings.GOVHUB_FIELD_KEYS = [NEW_KEY]
    settings.GOVHUB_LOOKUP_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="GOVHUB_LOOKUP_KEY"):
        lookup_hash("x", purpose="id_number")


def test_lookup_hash_is_64_hex_and_stable():
    digest = lookup_hash("230402198503120412", purpose="id_number")
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest == lookup_hash("230402198503120412", purpose="id_number")
    assert digest != lookup_hash("230402198503120413", purpose="id_number")


def test_lookup_hash_is_namespaced_by_purpose():
    assert lookup_hash("13800000001", purpose="mobile") != lookup_hash(
        "13800000001", purpose="id_number"
    )
    # The separator keeps purpose and value apart.
    assert lookup_hash("b", purpose="a") != lookup_hash("", purpose="a\x00b")


def test_lookup_hash_depends_on_the_key(settings):
    settings.GOVHUB_LOOKUP_KEY = "a" * 40
    first = lookup_hash("x", purpose="id_number")
    settings.GOVHUB_LOOKUP_KEY = "b" * 40
    assert lookup_hash("x", purpose="id_number") != first


def test_lookup_hash_needs_a_purpose():
    with pytest.raises(ValueError, match="purpose"):
        lookup_hash("x", purpose="")


@given(st.text(), st.text())
def test_lookup_hash_separates_distinct_values(a, b):
    if a != b:
        assert lookup_hash(a, purpose="p") != lookup_hash(b, purpose="p")


def test_field_prepares_ciphertext_and_reads_plaintext():
    field = crypto.EncryptedTextField()
    stored = field.get_prep_value("23040419781105024X")
    assert stored != "23040419781105024X"
    assert field.from_db_value(stored, None, None) == "23040419781105024X"
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("", None, None) == ""
    assert field.from_db_value(None, None, None) is None


def test_development_keys_are_generated_once_and_private(tmp_path):
    field_key = development_field_key(tmp_path)
    Fernet(field_key)
    assert development_field_key(tmp_path) == field_key
    lookup_key = development_lookup_key(tmp_path)
    assert len(lookup_key) >= 32
    assert development_lookup_key(tmp_path) == lookup_key
    for name in ("field_key", "lookup_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
