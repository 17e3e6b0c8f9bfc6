"""Enterprise accounts and agent authorisations."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity import policies, selectors
from govhub.identity.models import AgentAuthorization, Enterprise
from govhub.identity.services import agent_authorize, agent_revoke, enterprise_register
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    LegalEntityFactory,
    PersonFactory,
    ResidentFactory,
    VerifiedPersonFactory,
)
from govhub.registries.demo_data import make_uscc
from govhub.registries.models import LegalEntity, RegistryLookup

pytestmark = pytest.mark.django_db


@pytest.fixture
def representative():
    return VerifiedPersonFactory()


@pytest.fixture
def entity(representative):
    return LegalEntityFactory(representative=representative_resident(representative))


def representative_resident(user):
    from govhub.registries.models import Resident

    return Resident.objects.get(id_number_hash=user.id_number_hash)


# --- Registering an enterprise ---------------------------------------------------------------


def test_representative_registers_the_enterprise(rf, representative, entity):
    enterprise = enterprise_register(
        actor=representative, uscc=entity.uscc.lower(), request=rf.get("/")
    )
    assert enterprise.uscc == entity.uscc and enterprise.name == entity.name
    assert enterprise.legal_representative == representative
    assert RegistryLookup.objects.filter(purpose="identity.enterprise.register").count() == 1
    event = AuditEvent.objects.get(action="identity.enterprise.register")
    assert event.outcome == "success" and event.actor == representative


def test_someone_else_cannot_register_it(rf, entity):
    stranger = VerifiedPersonFactory()
    with pytest.raises(InvalidInput) as caught:
        enterprise_register(actor=stranger, uscc=entity.uscc, request=rf.get("/"))
    assert caught.value.fields["uscc"] == ["您不是该企业登记的法定代表人，不能注册该企业账号。"]
    assert not Enterprise.objects.exists()
    assert AuditEvent.objects.get(action="identity.enterprise.register").outcome == "failure"


def test_unverified_person_cannot_register(rf, entity):
    with pytest.raises(Forbidden):
        enterprise_register(actor=PersonFactory(), uscc=entity.uscc, request=rf.get("/"))
    assert AuditEvent.objects.get(action="identity.enterprise.register").outcome == "denied"


def test_revoked_enterprise_cannot_register(rf, representative, entity):
    LegalEntity.objects.filter(pk=entity.pk).update(status=LegalEntity.Status.REVOKED)
    with pytest.raises(InvalidInput) as caught:
        enterprise_register(actor=representative, uscc=entity.uscc, request=rf.get("/"))
    assert "吊销或注销" in caught.value.fields["uscc"][0]


def test_unknown_and_malformed_codes(rf, representative, entity):
    with pytest.raises(InvalidInput) as caught:
        enterprise_register(actor=representative, uscc="91230402MA1XXXXX", request=rf.get("/"))
    assert "18位" in caught.value.fields["uscc"][0]
    wrong_check = entity.uscc[:17] + ("0" if entity.uscc[17] != "0" else "1")
    with pytest.raises(InvalidInput) as caught:
        enterprise_register(actor=representative, uscc=wrong_check, request=rf.get("/"))
    assert "校验码" in caught.value.fields["uscc"][0]
    with pytest.raises(InvalidInput) as caught:
        enterprise_register(
            actor=representative, uscc=make_uscc("91", "230402", "MA1Q0000"), request=rf.get("/")
        )
    assert caught.value.fields["uscc"] == ["法人库中没有该统一社会信用代码，请核对。"]


def test_registering_twice(rf, representative, entity):
    enterprise_register(actor=representative, uscc=entity.uscc, request=rf.get("/"))
    with pytest.raises(InvalidInput) as caught:
        enterprise_register(actor=representative, uscc=entity.uscc, request=rf.get("/"))
    assert caught.value.fields["uscc"] == ["您已注册该企业账号。"]


# --- Agents ---------------------------------------------------------------------------------


def authorize(enterprise, agent, **overrides):
    fields = {
        "actor": enterprise.legal_representative,
        "enterprise": enterprise,
        "agent_name": agent.full_name,
        "agent_id_number": agent.id_number,
        "scopes": ["view", "apply"],
        "expires_on": timezone.localdate() + datetime.timedelta(days=30),
        "request": None,
    }
    fields.update(overrides)
    return agent_authorize(**fields)


def test_authorize_an_agent(django_assert_max_num_queries):
    enterprise = EnterpriseFactory()
    agent = VerifiedPersonFactory()
    authorization = authorize(enterprise, agent)
    assert authorization.scopes == ["apply", "view"]  # canonical order
    assert authorization.is_valid_at(timezone.now())
    # Valid through the whole of the last day.
    last_day = timezone.localdate() + datetime.timedelta(days=30)
    assert timezone.localtime(authorization.expires_at).date() == last_day + datetime.timedelta(
        days=1
    )
    assert policies.can_act_for(agent, enterprise)
    assert policies.agent_scopes(agent, enterprise) == {"apply", "view"}
    event = AuditEvent.objects.get(action="identity.agent.authorize")
    assert agent.id_number not in str(event.changes)
    assert list(selectors.enterprises_for(agent)) == [enterprise]


def test_authorizing_again_replaces(django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory()
    agent = VerifiedPersonFactory()
    first = authorize(enterprise, agent)
    second = authorize(enterprise, agent, scopes=["pay"])
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert policies.agent_scopes(agent, enterprise) == {"pay"}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"scopes": []}, "scopes", "至少选择一项"),
        ({"scopes": ["everything"]}, "scopes", "不是允许的授权范围"),
        ({"expires_on": datetime.date(2000, 1, 1)}, "expires_on", "不能早于今天"),
        ({"expires_on": datetime.date(2100, 1, 1)}, "expires_on", "最长为三年"),
        ({"agent_name": "别人"}, "agent_name", "姓名与身份证号码不一致"),
        ({"agent_id_number": "230402198503120413"}, "agent_id_number", "校验码"),
    ],
)
def test_bad_authorizations(overrides, field, fragment):
    enterprise = EnterpriseFactory()
    with pytest.raises(InvalidInput) as caught:
        authorize(enterprise, VerifiedPersonFactory(), **overrides)
    assert fragment in caught.value.fields[field][0]


def test_agent_must_have_a_real_name_account():
    enterprise = EnterpriseFactory()
    resident = ResidentFactory()
    with pytest.raises(InvalidInput) as caught:
        agent_authorize(
            actor=enterprise.legal_representative,
            enterprise=enterprise,
            agent_name=resident.name,
            agent_id_number=resident.id_number,
            scopes=["view"],
            expires_on=timezone.localdate(),
            request=None,
        )
    assert "尚未注册实名账号" in caught.value.fields["agent_id_number"][0]


def test_representative_needs_no_authorization():
    enterprise = EnterpriseFactory()
    with pytest.raises(InvalidInput) as caught:
        authorize(enterprise, enterprise.legal_representative)
    assert caught.value.fields["agent_id_number"] == ["法定代表人本人无需授权。"]


def test_only_the_representative_authorizes():
    authorization = AgentAuthorizationFactory()
    with pytest.raises(Forbidden):
        authorize(authorization.enterprise, VerifiedPersonFactory(), actor=authorization.agent)
    assert AuditEvent.objects.get(action="identity.agent.authorize").outcome == "denied"


def test_revoke_by_representative_or_agent():
    authorization = AgentAuthorizationFactory()
    with pytest.raises(Forbidden):
        agent_revoke(actor=VerifiedPersonFactory(), authorization=authorization, request=None)
    agent_revoke(actor=authorization.agent, authorization=authorization, request=None)
    authorization.refresh_from_db()
    assert authorization.revoked_by == authorization.agent
    assert not policies.can_act_for(authorization.agent, authorization.enterprise)
    agent_revoke(
        actor=authorization.enterprise.legal_representative,
        authorization=authorization,
        request=None,
    )
    assert AuditEvent.objects.filter(action="identity.agent.revoke", outcome="success").count() == 1


def test_expiry_and_future_start():
    now = timezone.now()
    expired = AgentAuthorizationFactory(
        valid_from=now - datetime.timedelta(days=2), expires_at=now - datetime.timedelta(days=1)
    )
    future = AgentAuthorizationFactory(
        valid_from=now + datetime.timedelta(days=1), expires_at=now + datetime.timedelta(days=2)
    )
    for authorization in (expired, future):
        assert not policies.can_act_for(authorization.agent, authorization.enterprise)
        assert policies.agent_scopes(authorization.agent, authorization.enterprise) == set()
        assert not authorization.is_valid_at(now)
    assert list(selectors.enterprises_for(expired.agent)) == []


def test_agents_of_is_for_the_representative_only(django_assert_num_queries):
    enterprise = EnterpriseFactory()
    AgentAuthorizationFactory.create_batch(3, enterprise=enterprise)
    with pytest.raises(Forbidden):
        selectors.agents_of(actor=VerifiedPersonFactory(), enterprise=enterprise)
    with django_assert_num_queries(1):
        rows = list(
            selectors.agents_of(actor=enterprise.legal_representative, enterprise=enterprise)
        )
        assert [row.agent.full_name for row in rows]
    assert len(rows) == 3


def test_enterprises_for_lists_represented_and_authorized(django_assert_num_queries):
    person = VerifiedPersonFactory()
    own = EnterpriseFactory(legal_representative=person)
    other = AgentAuthorizationFactory(agent=person).enterprise
    EnterpriseFactory()  # not theirs
    with django_assert_num_queries(1):
        found = list(selectors.enterprises_for(person))
        assert [e.legal_representative.full_name for e in found]
    assert set(found) == {own, other}
    assert list(selectors.enterprises_represented_by(person)) == [own]
    assert list(selectors.authorizations_of_agent(person)) == list(
        AgentAuthorization.objects.filter(agent=person)
    )
    assert list(selectors.enterprises_for(PersonFactory.build())) == []
