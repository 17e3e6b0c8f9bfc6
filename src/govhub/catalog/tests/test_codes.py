"""Implementation and variant codes: deterministic, fixed width, injective."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhub.catalog.codes import (
    implementation_code,
    is_implementation_code,
    split_implementation_code,
    variant_code,
)
from govhub.core.codes import USCC_ALPHABET

base_codes = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12)
usccs = st.text(alphabet=USCC_ALPHABET, min_size=18, max_size=18)
sequences = st.integers(min_value=1, max_value=999_999)
variant_sequences = st.integers(min_value=1, max_value=999)


@given(base_codes, usccs, sequences)
def test_implementation_code_is_deterministic_and_36_characters(base, uscc, seq):
    code = implementation_code(base, uscc, seq)
    assert code == implementation_code(base, uscc, seq)
    assert len(code) == 36
    assert is_implementation_code(code)
    assert code.startswith(base + uscc)
    assert split_implementation_code(code) == (base, uscc, seq)


@given(
    st.tuples(base_codes, usccs, sequences),
    st.tuples(base_codes, usccs, sequences),
)
def test_different_inputs_give_different_codes(a, b):
    if a != b:
        assert implementation_code(*a) != implementation_code(*b)
    else:
        assert implementation_code(*a) == implementation_code(*b)


@given(base_codes, usccs, sequences, variant_sequences, variant_sequences)
def test_variant_codes_are_39_characters_and_injective(base, uscc, seq, v1, v2):
    parent = implementation_code(base, uscc, seq)
    first = variant_code(parent, v1)
    assert len(first) == 39
    assert first.startswith(parent)
    assert first == variant_code(parent, v1)
    assert (first == variant_code(parent, v2)) == (v1 == v2)


def test_known_value():
    assert (
        implementation_code("000201001000", "11230400MB0000011Y", 3)
        == "00020100100011230400MB0000011Y000003"
    )
    assert variant_code("00020100100011230400MB0000011Y000003", 12).endswith("012")


@pytest.mark.parametrize(
    ("base", "uscc", "seq"),
    [
        ("00020100100", "11230400MB0000011Y", 1),  # base code too short
        ("00020100100a", "11230400MB0000011Y", 1),  # lower case
        ("000201001000", "11230400MB000001IY", 1),  # I not in the USCC alphabet
        ("000201001000", "11230400MB0000011", 1),  # USCC too short
        ("000201001000", "11230400MB0000011Y", 0),
        ("000201001000", "11230400MB0000011Y", 1_000_000),
        ("000201001000", "11230400MB0000011Y", True),
        ("000201001000", "11230400MB0000011Y", "1"),
    ],
)
def test_bad_arguments_are_refused(base, uscc, seq):
    with pytest.raises(ValueError):
        implementation_code(base, uscc, seq)


@pytest.mark.parametrize("seq", [0, 1000, -1])
def test_bad_variant_sequence_is_refused(seq):
    with pytest.raises(ValueError):
        variant_code("00020100100011230400MB0000011Y000003", seq)


def test_bad_parent_code_is_refused():
    with pytest.raises(ValueError):
        variant_code("too-short", 1)
