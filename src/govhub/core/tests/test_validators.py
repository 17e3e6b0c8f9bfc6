import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from govhub.core.codes import (
    ID_CHECK_CHARACTERS,
    USCC_ALPHABET,
    id_number_check_character,
    uscc_check_character,
)
from govhub.core.validators import (
    USCC_AUTHORITIES,
    Sex,
    check_id_number,
    check_uscc,
    normalize_id_number,
    normalize_mobile,
    normalize_uscc,
    validate_id_number,
    validate_mobile,
    validate_uscc,
    validate_uscc_on_record,
)

TODAY = datetime.date(2026, 11, 27)


def make_id(region="230404", birth="19800101", sequence="123"):
    body = f"{region}{birth}{sequence}"
    return body + id_number_check_character(body)


def error_code(callable_, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        callable_(*args, **kwargs)
    return info.value.code


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


# --- resident ID numbers: examples -----------------------------------------------------


def test_known_valid_example_beijing():
    result = check_id_number("11010519491231002X", today=TODAY)
    assert result.value == "11010519491231002X"
    assert result.birth_date == datetime.date(1949, 12, 31)
    assert result.sex is Sex.FEMALE
    assert result.region_code == "110105"
    assert result.region_name == "朝阳区"
    assert result.warnings == ()


def test_known_example_1880_from_the_standard_is_valid():
    assert id_number_check_character("44052418800101001") == "4"
    result = check_id_number("440524188001010014", today=TODAY)
    assert result.birth_date == datetime.date(1880, 1, 1)
    assert result.sex is Sex.MALE


def test_lower_case_x_full_width_and_spaces_are_normalised():
    for raw in (
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u300019491231002X",
    ):
        assert check_id_number(raw, today=TODAY).value == "11010519491231002X"


def test_sex_comes_from_the_sequence_digit():
    assert check_id_number(make_id(sequence="123"), today=TODAY).sex is Sex.MALE
    assert check_id_number(make_id(sequence="124"), today=TODAY).sex is Sex.FEMALE
    assert Sex.MALE.label == "男"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_length"),
        (None, "id_length"),
        ("11010519491231002", "id_length"),
        ("11010519491231002XX", "id_length"),
        ("1101051949123100AX", "id_format"),
        ("X10105194912310021", "id_format"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "id_format"),  # Arabic-Indic digits are not ASCII digits
        ("110105194912310021", "id_check_character"),
    ],
)
def test_structural_errors(value, code):
    assert error_code(check_id_number, value, today=TODAY) == code


def test_error_message_for_check_character_is_the_chinese_source():
    with pytest.raises(ValidationError) as info:
        check_id_number("110105194912310021", today=TODAY)
    assert info.value.messages == ["身份证号码校验码不正确，请核对最后一位。"]


def test_length_message_names_the_count():
    with pytest.raises(ValidationError) as info:
        check_id_number("12345", today=TODAY)
    assert "5位" in info.value.messages[0]


@pytest.mark.parametrize(
    "province", ["00", "10", "16", "20", "24", "30", "38", "47", "55", "66", "72", "83", "99"]
)
def test_invalid_province_codes(province):
    value = make_id(region=f"{province}0101")
    assert error_code(check_id_number, value, today=TODAY) == "id_province"


@pytest.mark.parametrize(
    "province",
    ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82"],
)
def test_valid_province_codes(province):
    assert (
        check_id_number(make_id(region=f"{province}0000"), today=TODAY).region_code[:2] == province
    )


def test_feb_29_in_leap_and_non_leap_years():
    assert check_id_number(make_id(birth="20000229"), today=TODAY).birth_date == datetime.date(
        2000, 2, 29
    )
    assert check_id_number(make_id(birth="19960229"), today=TODAY).birth_date.day == 29
    assert error_code(check_id_number, make_id(birth="19000229"), today=TODAY) == "id_birth_date"
    assert error_code(check_id_number, make_id(birth="20230229"), today=TODAY) == "id_birth_date"


@pytest.mark.parametrize("birth", ["19801301", "19800001", "19800132", "19800431", "00000000"])
def test_impossible_dates(birth):
    assert error_code(check_id_number, make_id(birth=birth), today=TODAY) == "id_birth_date"


def test_future_birth_date_is_rejected_today_is_accepted():
    assert error_code(check_id_number, make_id(birth="20261128"), today=TODAY) == "id_future_birth"
    assert check_id_number(make_id(birth="20261127"), today=TODAY).birth_date == TODAY


def test_future_birth_date_uses_the_real_today_by_default():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert error_code(check_id_number, make_id(birth=f"{tomorrow:%Y%m%d}")) == "id_future_birth"


def test_before_1850_rejected_1850_accepted():
    with pytest.raises(ValidationError) as info:
        check_id_number(make_id(birth="18491231"), today=TODAY)
    assert info.value.code == "id_birth_date"
    assert "1850" in info.value.messages[0]
    assert check_id_number(make_id(birth="18500101"), today=TODAY).birth_date.year == 1850


# --- county codes: warnings, never rejections ------------------------------------------


@pytest.mark.parametrize(
    "county", ["230402", "230403", "230404", "230405", "230406", "230407", "230421", "230422"]
)
def test_hegang_numbers_from_before_their_county_existed_are_accepted(county):
    # 萝北县/绥滨县 (230421/230422) are listed from 1987, the districts from 1983; people
    # born earlier carry these codes. stdnum rejects them; we must not.
    value = make_id(region=county, birth="19620315", sequence="042")
    result = check_id_number(value, today=TODAY)
    assert result.warnings == ()
    assert result.region_name
    if county in ("230421", "230422"):
        assert not ric.is_valid(value)


def test_unknown_county_code_is_a_warning():
    result = check_id_number(make_id(region="230499"), today=TODAY)
    assert [w.code for w in result.warnings] == ["id_region_unknown"]
    assert "230499" in result.warnings[0].message
    assert result.region_name == ""


def test_retired_county_code_is_a_warning():
    # 440524 潮阳县 existed 1983-1993.
    result = check_id_number(make_id(region="440524", birth="19850101"), today=TODAY)
    assert [w.code for w in result.warnings] == ["id_region_retired"]
    assert "潮阳县" in result.warnings[0].message


def test_renamed_but_current_code_has_no_warning():
    # 130502: [1983-2019]桥东区,[2020-]襄都区 — the code is still in use.
    result = check_id_number(make_id(region="130502"), today=TODAY)
    assert result.warnings == ()
    assert result.region_name == "襄都区"


def test_stdnum_accepts_future_dates_we_do_not():
    value = make_id(region="110105", birth="20991231")
    assert ric.is_valid(value)
    assert error_code(check_id_number, value, today=TODAY) == "id_future_birth"


def test_field_validator():
    validate_id_number("11010519491231002X")
    with pytest.raises(ValidationError):
        validate_id_number("110105194912310021")


# --- resident ID numbers: properties ----------------------------------------------------

regions = st.sampled_from(["110105", "230404", "230421", "440305", "650102", "810000"])
birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@settings(deadline=None)
@given(region=regions, birth=birth_dates, sequence=sequences)
def test_any_body_with_its_check_character_validates(region, birth, sequence):
    value = make_id(region=region, birth=f"{birth:%Y%m%d}", sequence=sequence)
    result = check_id_number(value, today=TODAY)
    assert result.value == value
    assert result.birth_date == birth
    assert result.sex is (Sex.MALE if int(sequence) % 2 else Sex.FEMALE)
    # Round trip: lower-case and full-width forms normalise back to the same number.
    assert check_id_number(value.lower(), today=TODAY).value == value
    assert normalize_id_number(value.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})) == value


@settings(deadline=None)
@given(
    region=regions,
    birth=birth_dates,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from("0123456789X"),
)
def test_changing_any_single_character_is_detected(region, birth, sequence, position, replacement):
    value = make_id(region=region, birth=f"{birth:%Y%m%d}", sequence=sequence)
    if value[position] == replacement:
        return
    changed = value[:position] + replacement + value[position + 1 :]
    with pytest.raises(ValidationError):
        check_id_number(changed, today=TODAY)


@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_only_one_check_character_fits_a_body(body):
    fitting = [c for c in ID_CHECK_CHARACTERS if c == id_number_check_character(body)]
    assert len(fitting) == 1


@settings(deadline=None)
@given(value=st.text(max_size=30))
def test_arbitrary_input_never_crashes(value):
    try:
        check_id_number(value, today=TODAY)
    except ValidationError as exc:
        assert exc.code.startswith("id_")


# --- unified social credit codes ----------------------------------------------------------


def make_uscc(prefix="91230400", org="MA1B2C3D4"):
    body = prefix + org
    return body + uscc_check_character(body)


def test_known_valid_uscc():
    result = check_uscc("91110000600037341L")
    assert result.value == "91110000600037341L"
    assert result.authority_name == "工商"
    assert result.kind_name == "企业"
    assert result.region_code == "110000"
    assert result.organisation_code == "600037341"
    assert result.check_character_valid
    assert result.warnings == ()


def test_uscc_normalisation():
    assert normalize_uscc(" 9111 0000-6000 3734 1l ") == "91110000600037341L"
    assert check_uscc("９１１１００００６０００３７３４１Ｌ").value == "91110000600037341L"
    assert check_uscc("91110000600037341l").value == "91110000600037341L"


def test_wrong_uscc_check_character_raises_unless_a_clerk_confirms():
    with pytest.raises(ValidationError) as info:
        check_uscc("91110000600037341M")
    assert info.value.code == "uscc_check_character"
    assert "校验码" in info.value.messages[0]
    result = check_uscc("91110000600037341M", allow_legacy_check=True)
    assert result.value == "91110000600037341M"
    assert not result.check_character_valid
    assert [w.code for w in result.warnings] == ["uscc_check_character"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "uscc_length"),
        ("9111000060003734", "uscc_length"),
        ("91110000600037341LL", "uscc_length"),
        ("91110000600O37341L", "uscc_format"),  # letter O
        ("9111000060003734IL", "uscc_format"),
        ("91110000600037341S", "uscc_format"),
        ("B1110000600037341L", "uscc_authority"),
        ("0111000060003734 1L", "uscc_authority"),
        ("94110000600037341L", "uscc_kind"),  # 工商 has kinds 1-3 only
        ("Y2110000600037341L", "uscc_kind"),
        ("91A10000600037341L", "uscc_region"),
    ],
)
def test_uscc_format_errors_always_raise(value, code):
    assert error_code(check_uscc, value) == code
    assert error_code(check_uscc, value, allow_legacy_check=True) == code


def test_uscc_field_validator_is_strict():
    validate_uscc("91110000600037341L")
    with pytest.raises(ValidationError):
        validate_uscc("91110000600037341M")


def test_uscc_on_record_validator_accepts_a_legacy_check_character():
    validate_uscc_on_record("91110000600037341L")
    validate_uscc_on_record("91110000600037341M")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "uscc_length"),
        ("9111000060003734", "uscc_length"),
        ("91110000600O37341L", "uscc_format"),
        ("B1110000600037341L", "uscc_authority"),
        ("94110000600037341L", "uscc_kind"),
        # Stored codes are normalised first: these would normalise to a valid code.
        ("91110000600037341l", "uscc_format"),
        ("9111 0000600037341L", "uscc_format"),
        ("９１１１００００６０００３７３４１Ｌ", "uscc_format"),
    ],
)
def test_uscc_on_record_validator_rejects(value, code):
    assert error_code(validate_uscc_on_record, value) == code


authority_kinds = st.sampled_from(
    [a + k for a, (_, kinds) in USCC_AUTHORITIES.items() for k in kinds]
)
region_codes = st.text(alphabet="0123456789", min_size=6, max_size=6)
org_codes = st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9)


@given(prefix=authority_kinds, region=region_codes, org=org_codes)
def test_any_uscc_body_with_its_check_character_validates(prefix, region, org):
    value = make_uscc(prefix + region, org)
    result = check_uscc(value)
    assert result.check_character_valid
    assert (
        result.authority_code + result.kind_code,
        result.region_code,
        result.organisation_code,
    ) == (
        prefix,
        region,
        org,
    )
    assert check_uscc(value.lower()).value == value


@given(
    prefix=authority_kinds,
    region=region_codes,
    org=org_codes,
    position=st.integers(min_value=8, max_value=17),
    replacement=st.sampled_from(USCC_ALPHABET),
)
def test_uscc_single_substitution_in_code_or_check_is_detected(
    prefix, region, org, position, replacement
):
    value = make_uscc(prefix + region, org)
    if value[position] == replacement:
        return
    changed = value[:position] + replacement + value[position + 1 :]
    with pytest.raises(ValidationError) as info:
        check_uscc(changed)
    assert info.value.code == "uscc_check_character"
    assert not check_uscc(changed, allow_legacy_check=True).check_character_valid


@given(value=st.text(max_size=30))
def test_uscc_arbitrary_input_never_crashes(value):
    try:
        check_uscc(value, allow_legacy_check=True)
    except ValidationError as exc:
        assert exc.code.startswith("uscc_")


# --- mobile numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "008613812345678",
        "86 13812345678",
        "(+86) 138-1234-5678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_normalisation(raw):
    assert normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "12812345678",
        "10012345678",
        "1381234567",
        "138123456789",
        "04683456789",
        "+1 13812345678",
        "861381234567",
        "abcdefghijk",
        "1381234567x",
    ],
)
def test_invalid_mobiles(raw):
    assert error_code(normalize_mobile, raw) == "mobile_format"


def test_mobile_prefix_86_needs_exactly_eleven_digits_after_it():
    # 86 followed by a mobile is stripped; an 11-digit number starting 86 is not a mobile.
    assert error_code(normalize_mobile, "86123456789") == "mobile_format"
    assert normalize_mobile("8619912345678") == "19912345678"


def test_mobile_field_validator():
    validate_mobile("19912345678")
    with pytest.raises(ValidationError) as info:
        validate_mobile("12345")
    assert info.value.messages == ["请输入有效的11位手机号码（以13至19开头）。"]


@given(
    second=st.sampled_from("3456789"), rest=st.text(alphabet="0123456789", min_size=9, max_size=9)
)
def test_every_mobile_shape_round_trips(second, rest):
    number = f"1{second}{rest}"
    assert normalize_mobile(number) == number
    assert normalize_mobile(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number
