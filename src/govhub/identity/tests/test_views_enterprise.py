"""Enterprise pages: registration by the legal representative, acting for an enterprise,
granting and revoking agents."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhub.core.models import AuditEvent
from govhub.identity import session
from govhub.identity.models import AgentAuthorization, Enterprise
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    LegalEntityFactory,
    PersonFactory,
    ResidentFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import last_code
from govhub.identity.tests.test_views import field_errors, sign_in, sign_in_l2

pytestmark = pytest.mark.django_db


@pytest.fixture
def representative(client):
    resident = ResidentFactory()
    user = VerifiedPersonFactory(resident=resident)
    entity = LegalEntityFactory(representative=resident, name="鹤岗测试煤业有限公司")
    sign_in_l2(client, user)
    return user, entity


def test_register_an_enterprise(client, representative):
    user, entity = representative
    response = client.post("/account/enterprises/register/", {"uscc": entity.uscc.lower()})
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(uscc=entity.uscc)
    assert enterprise.legal_representative == user
    assert enterprise.name == "鹤岗测试煤业有限公司"
    html = client.get("/account/enterprises/").content.decode()
    assert "鹤岗测试煤业有限公司" in html and "法定代表人" in html
    assert f"/account/enterprises/{entity.uscc}/agents/" in html


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("91230402MA1000001", "18"),
        ("91230402MA10000010", "校验"),
    ],
)
def test_enterprise_register_form_errors(client, representative, uscc, message):
    response = client.post("/account/enterprises/register/", {"uscc": uscc})
    assert response.status_code == 422
    [error] = field_errors(response, "uscc")
    assert message in error


def test_only_the_legal_representative_registers(client):
    entity = LegalEntityFactory()
    user = VerifiedPersonFactory()
    sign_in_l2(client, user)
    response = client.post("/account/enterprises/register/", {"uscc": entity.uscc})
    assert field_errors(response, "uscc") == ["您不是该企业登记的法定代表人，不能注册该企业账号。"]
    assert not Enterprise.objects.exists()


def test_unverified_accounts_cannot_register_enterprises(client):
    user = PersonFactory()
    sign_in(client, user)
    html = client.get("/account/enterprises/").content.decode()
    assert "登记企业账号需要实名核验过的个人账号。" in html
    # Not real-name verified: level L2 is out of reach, the step-up page says why.
    response = client.post("/account/enterprises/register/", {"uscc": LegalEntityFactory().uscc})
    assert response.status_code == 302 and "/account/step-up/" in response["Location"]
    assert "您的账号暂时无法达到所需等级" in client.get(response["Location"]).content.decode()
    assert not Enterprise.objects.exists()


def test_registering_an_enterprise_asks_for_a_step_up(client, outbox):
    resident = ResidentFactory()
    user = VerifiedPersonFactory(resident=resident)
    entity = LegalEntityFactory(representative=resident)
    sign_in(client, user)
    html = client.get("/account/enterprises/").content.decode()
    assert "登记企业账号和管理经办人需要二级认证" in html
    assert 'name="uscc"' not in html
    response = client.post("/account/enterprises/register/", {"uscc": entity.uscc})
    step_up = response["Location"]
    assert step_up == "/account/step-up/?next=%2Faccount%2Fenterprises%2F&level=L2"
    client.post(step_up, {"action": "send_code"})
    response = client.post(step_up, {"code": last_code(outbox)})
    assert response["Location"] == "/account/enterprises/"
    assert 'name="uscc"' in client.get("/account/enterprises/").content.decode()
    assert not Enterprise.objects.exists()


def test_switch_acting_for_an_enterprise_and_back(client):
    enterprise = EnterpriseFactory(name="鹤岗某某商贸有限公司")
    agent = AgentAuthorizationFactory(enterprise=enterprise).agent
    sign_in(client, agent)
    page = client.get("/account/enterprises/")
    html = page.content.decode()
    assert "经办人" in html and "授权至" in html
    assert 'type="radio" name="acting_for"' in html
    response = client.post("/account/enterprises/acting-for/", {"acting_for": enterprise.uscc})
    assert response.status_code == 302
    assert client.session[session.ACTING_FOR] == enterprise.pk
    html = client.get("/").content.decode()
    assert "代表：鹤岗某某商贸有限公司" in html
    assert AuditEvent.objects.filter(
        action="identity.acting_for.set", on_behalf_of=f"enterprise:{enterprise.uscc}"
    ).exists()
    client.post("/account/enterprises/acting-for/", {"acting_for": ""})
    assert session.ACTING_FOR not in client.session
    assert "正在以个人身份办事" in client.get("/").content.decode()


def test_acting_for_an_enterprise_one_is_not_authorised_for(client):
    other = EnterpriseFactory()
    user = VerifiedPersonFactory()
    AgentAuthorizationFactory(agent=user)
    sign_in(client, user)
    response = client.post("/account/enterprises/acting-for/", {"acting_for": other.uscc})
    assert response.status_code == 422
    assert field_errors(response, "acting_for") == ["请选择列表中的办事身份。"]
    assert session.ACTING_FOR not in client.session


def test_an_expired_authorisation_is_not_offered(client):
    user = VerifiedPersonFactory()
    AgentAuthorizationFactory(
        agent=user,
        valid_from=timezone.now() - datetime.timedelta(days=10),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    sign_in(client, user)
    html = client.get("/account/enterprises/").content.decode()
    assert 'name="acting_for"' not in html


# --- Agents ---------------------------------------------------------------------------------


@pytest.fixture
def enterprise(client):
    enterprise = EnterpriseFactory()
    sign_in_l2(client, enterprise.legal_representative)
    return enterprise


def grant_data(agent, **overrides):
    data = {
        "agent_name": agent.full_name,
        "agent_id_number": agent.id_number,
        "scopes": ["apply", "view"],
        "expires_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
    }
    data.update(overrides)
    return data


def test_grant_and_revoke_an_agent(client, enterprise):
    agent = VerifiedPersonFactory()
    url = f"/account/enterprises/{enterprise.uscc}/agents/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'type="checkbox" name="scopes"' in page.content.decode()
    response = client.post(url, grant_data(agent))
    assert response.status_code == 302
    authorization = AgentAuthorization.objects.get(enterprise=enterprise, agent=agent)
    assert authorization.scopes == ["apply", "view"]
    html = client.get(url).content.decode()
    assert agent.full_name in html and agent.masked_id_number in html
    assert agent.id_number not in html
    assert "申请办理事项、查询办件进度和结果" in html
    response = client.post(f"{url}{authorization.pk}/revoke/")
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.revoked_at is not None
    assert "已撤销" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"agent_name": "王二小"}, "agent_name", "姓名与身份证号码不一致，请核对。"),
        ({"scopes": []}, "scopes", "请至少选择一项授权范围。"),
        ({"scopes": ["everything"]}, "scopes", "请选择列表中的授权范围。"),
        ({"expires_on": "2020-01-01"}, "expires_on", "授权截止日期不能早于今天。"),
        ({"expires_on": "2026-13-01"}, "expires_on", "请输入有效日期，格式为YYYY-MM-DD。"),
        ({"agent_id_number": "230402199001011230"}, "agent_id_number", "校验"),
    ],
)
def test_grant_errors(client, enterprise, overrides, field, message):
    agent = VerifiedPersonFactory()
    response = client.post(
        f"/account/enterprises/{enterprise.uscc}/agents/", grant_data(agent, **overrides)
    )
    assert response.status_code == 422
    [error] = field_errors(response, field)
    assert message in error
    assert not AgentAuthorization.objects.exists()


def test_grant_to_someone_without_an_account(client, enterprise):
    stranger = ResidentFactory()
    response = client.post(
        f"/account/enterprises/{enterprise.uscc}/agents/",
        {
            "agent_name": stranger.name,
            "agent_id_number": stranger.id_number,
            "scopes": ["apply"],
            "expires_on": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        },
    )
    assert field_errors(response, "agent_id_number") == [
        "该人员尚未注册实名账号，请其先完成实名注册后再授权。"
    ]


def test_agents_page_is_for_the_legal_representative_only(client):
    authorization = AgentAuthorizationFactory()
    uscc = authorization.enterprise.uscc
    sign_in(client, authorization.agent)
    # At level L1 the page first asks for a step-up.
    response = client.get(f"/account/enterprises/{uscc}/agents/")
    assert response.status_code == 302 and "/account/step-up/" in response["Location"]
    client.logout()
    sign_in_l2(client, authorization.agent)
    assert client.get(f"/account/enterprises/{uscc}/agents/").status_code == 404
    response = client.post(f"/account/enterprises/{uscc}/agents/{authorization.pk}/revoke/")
    assert response.status_code == 404
    authorization.refresh_from_db()
    assert authorization.revoked_at is None
