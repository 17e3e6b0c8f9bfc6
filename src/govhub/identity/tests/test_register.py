"""Real-name registration: every bad input and the records it leaves."""

from __future__ import annotations

import pytest

from govhub.core.codes import id_number_check_character
from govhub.core.crypto import lookup_hash
from govhub.core.errors import InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity.models import RealNameCheck, SmsChallenge, User
from govhub.identity.services import person_register, sms_code_send
from govhub.identity.tests.factories import PASSWORD, ResidentFactory, VerifiedPersonFactory
from govhub.identity.tests.helpers import last_code
from govhub.registries.models import RegistryLookup, Resident

pytestmark = pytest.mark.django_db

MOBILE = "13912340000"


@pytest.fixture
def code(outbox, make_request):
    sms_code_send(mobile=MOBILE, purpose=SmsChallenge.Purpose.REGISTER, request=make_request())
    return last_code(outbox)


def register(make_request, resident, code, **overrides):
    fields = {
        "name": resident.name,
        "id_number": resident.id_number,
        "mobile": MOBILE,
        "sms_code": code,
        "password": PASSWORD,
    }
    fields.update(overrides)
    return person_register(request=make_request(), **fields)


def test_registration_creates_a_verified_account(make_request, resident, code):
    user = register(make_request, resident, code)
    user.refresh_from_db()
    assert user.full_name == resident.name
    assert user.id_number == resident.id_number
    assert user.id_number_hash == lookup_hash(resident.id_number, purpose="id_number")
    assert user.mobile == MOBILE and user.mobile_verified_at is not None
    assert user.real_name_verified_at is not None and user.in_person_verified_at is None
    assert user.assurance_ceiling == "L2"
    assert user.check_password(PASSWORD)
    assert user.sub is not None and user.username.startswith("u")
    check = RealNameCheck.objects.get()
    assert check.outcome == "match" and check.user == user
    assert check.masked_id_number == resident.id_number[:6] + "********" + resident.id_number[-4:]
    assert RegistryLookup.objects.filter(purpose="identity.register").count() == 1
    event = AuditEvent.objects.get(action="identity.account.register", outcome="success")
    assert resident.id_number not in str(event.changes)
    assert SmsChallenge.objects.get().used_at is not None


def test_the_id_number_is_stored_encrypted(make_request, resident, code):
    from django.db import connection

    user = register(make_request, resident, code)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM identity_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert resident.id_number not in stored and stored.startswith("gAAAA")


def test_wrong_check_character(make_request, resident, code):
    body = resident.id_number[:17]
    right = id_number_check_character(body)
    wrong = "0" if right != "0" else "1"
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code, id_number=body + wrong)
    assert caught.value.fields["id_number"] == ["身份证号码校验码不正确，请核对最后一位。"]
    assert User.objects.count() == 0 and RealNameCheck.objects.count() == 0


@pytest.mark.parametrize(
    ("id_number", "fragment"),
    [
        ("23040219850312", "18位"),
        ("23040219851312041X", "出生日期"),
        ("99040219850312041X", "前两位"),
    ],
)
def test_malformed_id_numbers(make_request, resident, code, id_number, fragment):
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code, id_number=id_number)
    assert fragment in caught.value.fields["id_number"][0]


def test_name_and_id_number_mismatch(make_request, resident, code):
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code, name="冒名顶替")
    assert caught.value.fields == {"name": ["姓名与身份证号码不一致，请核对。"]}
    check = RealNameCheck.objects.get()
    assert check.outcome == "name_mismatch" and check.user is None
    assert check.masked_name == "冒*"
    assert AuditEvent.objects.filter(action="identity.account.register", outcome="failure").exists()
    # The code is not used up but the failed check counted as one attempt.
    challenge = SmsChallenge.objects.get()
    assert challenge.used_at is None and challenge.attempts == 1
    # Correcting the name with the same code works.
    register(make_request, resident, code)


def test_unknown_id_number(make_request, code):
    stranger = ResidentFactory.build()
    with pytest.raises(InvalidInput) as caught:
        register(make_request, stranger, code)
    assert "人口库中没有该身份证号码" in caught.value.fields["id_number"][0]
    assert RealNameCheck.objects.get().outcome == "not_found"


def test_deceased_resident_cannot_register(make_request, code):
    deceased = ResidentFactory(status=Resident.Status.DECEASED)
    with pytest.raises(InvalidInput) as caught:
        register(make_request, deceased, code)
    assert "状态异常" in caught.value.fields["id_number"][0]
    assert RealNameCheck.objects.get().outcome == "inactive"


def test_registry_probing_is_bounded_by_the_code(make_request, resident, code):
    for _ in range(5):
        with pytest.raises(InvalidInput):
            register(make_request, resident, code, name="某某某")
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code)
    assert caught.value.code == "sms_code_exhausted"
    assert RealNameCheck.objects.count() == 5


@pytest.mark.parametrize("password", ["short1!", "12345678901", "password123", ""])
def test_weak_passwords(make_request, resident, code, password):
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code, password=password)
    messages = caught.value.fields["password"]
    assert messages[0] == "密码强度不足：" and len(messages) >= 2
    assert RealNameCheck.objects.count() == 0


def test_every_field_error_at_once(make_request, resident, code):
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code, name=" ", id_number="1", mobile="2", password="1")
    assert set(caught.value.fields) == {"name", "id_number", "mobile", "password"}


def test_wrong_and_expired_codes(make_request, resident, code):
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code, sms_code=wrong)
    assert "验证码不正确" in caught.value.fields["sms_code"][0]
    SmsChallenge.objects.update(expires_at="2000-01-01T00:00:00Z")
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code)
    assert caught.value.fields["sms_code"] == ["验证码已过期，请重新获取。"]
    assert User.objects.count() == 0


def test_duplicate_id_number_and_mobile(make_request, resident, code):
    VerifiedPersonFactory(resident=resident)
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code)
    assert "已注册账号" in caught.value.fields["id_number"][0]
    other = ResidentFactory()
    VerifiedPersonFactory(resident=other, mobile="13912340001")
    with pytest.raises(InvalidInput) as caught:
        register(make_request, ResidentFactory(), code, mobile="13912340001")
    assert caught.value.fields["mobile"] == ["该手机号码已被其他账号使用。"]


def test_full_width_input_is_normalised(make_request, resident, code):
    full_width = resident.id_number.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    user = register(make_request, resident, code, id_number=full_width, name=f" {resident.name} ")
    assert user.id_number == resident.id_number


def test_a_concurrent_registration_is_reported_not_crashed(
    make_request, resident, code, monkeypatch
):
    from govhub.identity import services_accounts

    real_check = services_accounts.sms_code_check

    def check_then_race(**kwargs):
        challenge = real_check(**kwargs)
        VerifiedPersonFactory(resident=resident, mobile="13900000000")  # the other request
        return challenge

    monkeypatch.setattr(services_accounts, "sms_code_check", check_then_race)
    with pytest.raises(InvalidInput) as caught:
        register(make_request, resident, code)
    assert "已注册账号" in caught.value.fields["id_number"][0]
    assert SmsChallenge.objects.get().used_at is None
