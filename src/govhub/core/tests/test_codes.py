import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from govhub.core.codes import (
    ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    id_number_check_character,
    uscc_check_character,
)


def test_weights_are_those_of_the_standards():
    assert ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


def test_known_examples():
    assert id_number_check_character("11010519491231002") == "X"
    assert id_number_check_character("44052418800101001") == "4"
    assert uscc_check_character("91110000600037341") == "L"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "1101051949123100",
        "110105194912310021",
        "1101051949123100X",
        "１１０１０５１９４９１２３１００２",
        "1101051949123100 ",
    ],
)
def test_id_body_must_be_17_ascii_digits(body):
    with pytest.raises(ValueError):
        id_number_check_character(body)


@pytest.mark.parametrize(
    "body", ["", "9111000060003734", "91110000600037341L", "9111000060003734I", "9111000060003734a"]
)
def test_uscc_body_must_be_17_alphabet_characters(body):
    with pytest.raises(ValueError):
        uscc_check_character(body)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_check_character_agrees_with_stdnum(body):
    assert id_number_check_character(body) == ric.calc_check_digit(body + "0")


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_character_agrees_with_stdnum(body):
    assert uscc_check_character(body) == uscc.calc_check_digit(body)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_mod_11_2_identity(body):
    # ISO 7064 MOD 11-2: the weighted sum including the check character (X = 10, weight 1)
    # is 1 modulo 11.
    check = id_number_check_character(body)
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    assert (total + (10 if check == "X" else int(check))) % 11 == 1


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_weighted_sum_is_a_multiple_of_31(body):
    check = uscc_check_character(body)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    assert (total + USCC_ALPHABET.index(check)) % 31 == 0
