import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from govhub.core.masking import mask_id_number, mask_name, mask_phone


def test_id_number_keeps_first_six_and_last_four():
    assert mask_id_number("230404199001011234") == "230404********1234"
    assert mask_id_number("23040419900101123X") == "230404********123X"


def test_old_fifteen_digit_number():
    assert mask_id_number("230404900101123") == "230404*****1123"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_values(value):
    assert mask_id_number(value) == ""
    assert mask_phone(value) == ""
    assert mask_name(value) == ""


@pytest.mark.parametrize("value", ["1", "1234", "1234567890", "1234567890123"])
def test_short_id_values_are_fully_masked(value):
    assert mask_id_number(value) == "*" * len(value)


def test_phone_keeps_three_and_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(13812345678) == "138****5678"


def test_phone_with_prefix_or_separators_is_masked_normalised():
    assert mask_phone("+86 138-1234-5678") == "138****5678"


def test_other_phone_numbers_show_at_most_the_last_four():
    assert mask_phone("0468-3456789") == "********6789"
    assert mask_phone("12345") == "*****"
    assert mask_phone("123") == "***"


def test_name_first_character_and_one_mask():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修远") == "欧*"
    assert mask_name("李") == "李*"
    assert mask_name(" 王五 ") == "王*"


@given(st.text(alphabet="0123456789X", min_size=11, max_size=40))
def test_masked_id_hides_the_middle_and_keeps_length(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[6:-4] == "*" * (len(value) - 10)


@given(st.one_of(st.none(), st.integers(), st.text(max_size=40)))
def test_masking_never_fails_and_never_reveals_the_whole_value(value):
    text = "" if value is None else str(value).strip()
    for fn in (mask_id_number, mask_phone):
        masked = fn(value)
        assert isinstance(masked, str)
        if text:
            assert masked != text or set(text) == {"*"}
    assert isinstance(mask_name(value), str)


def test_template_filters():
    template = Template(
        "{% load masking %}{{ id|mask_id }} {{ phone|mask_phone }} {{ name|mask_name }} "
        "[{{ missing|mask_id }}]"
    )
    rendered = template.render(
        Context({"id": "230404199001011234", "phone": "13812345678", "name": "张三"})
    )
    assert rendered == "230404********1234 138****5678 张* []"


def test_template_filters_escape_their_output():
    template = Template("{% load masking %}{{ name|mask_name }}")
    assert template.render(Context({"name": "<b>x"})) == "&lt;*"
