"""TOTP arithmetic (RFC 6238) with the clock as a parameter."""

from __future__ import annotations

import pyotp
from hypothesis import given
from hypothesis import strategies as st

from govhub.identity import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Seconds since the epoch between 2001 and 2100.
timestamps = st.integers(min_value=1_000_000_000, max_value=4_100_000_000)


def test_rfc_6238_sha1_vector():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) → last 6 "287082".
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at(secret, 59) == "287082"


@given(at=timestamps)
def test_current_code_matches_its_step(at):
    code = totp.code_at(SECRET, at)
    assert totp.matching_step(SECRET, code, timestamp=at) == (totp.step_at(at), False)


@given(at=timestamps, drift=st.sampled_from([-1, 1]))
def test_neighbouring_steps_are_accepted(at, drift):
    code = totp.code_at(SECRET, at + drift * totp.STEP_SECONDS)
    step, replayed = totp.matching_step(SECRET, code, timestamp=at)
    assert not replayed
    assert step is not None and abs(step - totp.step_at(at)) <= 1


@given(at=timestamps, distance=st.integers(min_value=2, max_value=1000))
def test_codes_far_from_now_are_refused(at, distance):
    other = at + distance * totp.STEP_SECONDS
    code = totp.code_at(SECRET, other)
    window = {totp.code_at(SECRET, at + k * totp.STEP_SECONDS) for k in (-1, 0, 1)}
    step, _ = totp.matching_step(SECRET, code, timestamp=at)
    assert (step is not None) == (code in window)


@given(at=timestamps)
def test_a_used_step_is_a_replay(at):
    code = totp.code_at(SECRET, at)
    step = totp.step_at(at)
    assert totp.matching_step(SECRET, code, timestamp=at, last_used_step=step) == (None, True)
    # A later code is still fine.
    later = totp.code_at(SECRET, at + totp.STEP_SECONDS)
    assert totp.matching_step(
        SECRET, later, timestamp=at + totp.STEP_SECONDS, last_used_step=step
    ) == (step + 1, False)


def test_malformed_codes_never_match():
    for code in ["", "12345", "1234567", "abcdef", "１２３４５６", " 12 34"]:
        assert totp.matching_step(SECRET, code, timestamp=1_700_000_000) == (None, False)


def test_new_secret_and_uri():
    secret = totp.new_secret()
    assert totp.is_valid_secret(secret)
    assert not totp.is_valid_secret("not base32!")
    assert not totp.is_valid_secret("ABC")
    uri = totp.provisioning_uri(secret, account_name="张三 (zs)", issuer="鹤岗政务服务")
    assert uri.startswith("otpauth://totp/")
    assert pyotp.parse_uri(uri).secret == secret
