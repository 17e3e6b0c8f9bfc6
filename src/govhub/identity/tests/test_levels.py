"""Level-of-assurance computations."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhub.identity import levels


def account(**fields):
    defaults = {
        "kind": "person",
        "real_name_verified_at": None,
        "id_number_hash": None,
        "in_person_verified_at": None,
    }
    return SimpleNamespace(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "ceiling"),
    [
        ({}, "L1"),
        ({"real_name_verified_at": 1}, "L1"),  # verified but no ID number on record
        ({"real_name_verified_at": 1, "id_number_hash": "h"}, "L2"),
        ({"real_name_verified_at": 1, "id_number_hash": "h", "in_person_verified_at": 1}, "L3"),
        ({"in_person_verified_at": 1}, "L1"),  # in person without real name counts for nothing
        ({"kind": "staff"}, "L2"),
    ],
)
def test_account_ceiling(fields, ceiling):
    assert levels.account_ceiling(account(**fields)) == ceiling


@pytest.mark.parametrize(
    ("methods", "ceiling", "expected"),
    [
        ([], "L3", ""),
        (["pwd"], "L3", "L1"),
        (["sms"], "L3", "L1"),
        (["otp"], "L3", "L1"),
        (["sms", "otp"], "L3", "L1"),  # two possession factors, no knowledge factor
        (["pwd", "sms"], "L1", "L1"),  # two factors on an unverified account
        (["pwd", "sms"], "L2", "L2"),
        (["pwd", "otp"], "L2", "L2"),
        (["sms", "pwd"], "L3", "L3"),
        (["pwd", "otp"], "L3", "L3"),
        (["unknown"], "L3", ""),
    ],
)
def test_session_level(methods, ceiling, expected):
    assert levels.session_level(ceiling=ceiling, methods=methods) == expected


def test_federated_sign_in_counts_upstream_level_up_to_the_ceiling():
    assert levels.session_level(ceiling="L3", methods=["federated"]) == "L1"
    assert levels.session_level(ceiling="L3", methods=["federated"], upstream_acr="L2") == "L2"
    assert levels.session_level(ceiling="L1", methods=["federated"], upstream_acr="L3") == "L1"
    assert levels.session_level(ceiling="L3", methods=["federated"], upstream_acr="L9") == "L1"


def test_amr_values_add_mfa_once():
    assert levels.amr_values(["pwd", "otp", "pwd"]) == ["pwd", "otp", "mfa"]
    assert levels.amr_values(["sms"]) == ["sms"]
    assert levels.amr_values(["pwd", "mfa", "sms"]) == ["pwd", "mfa", "sms"]


method_lists = st.lists(st.sampled_from(["pwd", "sms", "otp", "federated", "x"]), max_size=6)
ceilings = st.sampled_from(levels.LEVELS)


@given(methods=method_lists, ceiling=ceilings)
def test_level_never_exceeds_the_ceiling(methods, ceiling):
    level = levels.session_level(ceiling=ceiling, methods=methods)
    assert levels.level_rank(level) <= levels.level_rank(ceiling)


@given(methods=method_lists, extra=st.sampled_from(["pwd", "sms", "otp"]), ceiling=ceilings)
def test_adding_a_factor_never_lowers_the_level(methods, extra, ceiling):
    before = levels.session_level(ceiling=ceiling, methods=methods)
    after = levels.session_level(ceiling=ceiling, methods=[*methods, extra])
    assert levels.level_rank(after) >= levels.level_rank(before)


@given(methods=method_lists, ceiling=ceilings)
def test_above_l1_needs_password_and_a_possession_factor(methods, ceiling):
    level = levels.session_level(ceiling=ceiling, methods=methods)
    if levels.level_rank(level) > 1:
        assert "pwd" in methods and ({"sms", "otp"} & set(methods))
