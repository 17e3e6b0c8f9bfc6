"""Client secrets: a salted HMAC that verifies only the right secret, never the password
hasher's cost; weak typed secrets refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from govhub.identity.oidc.hashers import ClientSecretHasher, client_secret_problem

hasher = ClientSecretHasher()


@given(st.text(min_size=1, max_size=200), st.text(min_size=1, max_size=200))
def test_only_the_right_secret_verifies(secret, other):
    encoded = hasher.encode(secret, hasher.salt())
    assert hasher.verify(secret, encoded)
    assert hasher.verify(other, encoded) == (other == secret)


def test_the_same_secret_hashes_differently_each_time():
    assert hasher.encode("s" * 40, hasher.salt()) != hasher.encode("s" * 40, hasher.salt())


def test_summary_masks_the_hash():
    encoded = hasher.encode("Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Ue", "saltsaltsalt")
    summary = " ".join(str(v) for v in hasher.safe_summary(encoded).values())
    assert encoded.split("$")[2] not in summary


def test_generated_secrets_pass_and_weak_ones_do_not():
    from oauth2_provider.generators import generate_client_secret

    assert client_secret_problem(generate_client_secret()) is None
    assert client_secret_problem("short") is not None
    assert client_secret_problem("x" * 64) is not None
