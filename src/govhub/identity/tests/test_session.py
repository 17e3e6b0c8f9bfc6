"""The session API and SessionPolicyMiddleware: timeouts, acting for an enterprise,
`on_behalf_of` in the audit trail, require_level, sign-out."""

from __future__ import annotations

import datetime

import pytest
from django.http import HttpResponse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from govhub.core.audit import audit_log
from govhub.core.errors import Forbidden
from govhub.core.events import subscribe, unsubscribe
from govhub.core.models import AuditEvent
from govhub.identity import session
from govhub.identity.events import SignedOut
from govhub.identity.middleware import SessionPolicyMiddleware
from govhub.identity.models import AgentScope, SignInEvent
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    PersonFactory,
    VerifiedPersonFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(make_request, user, methods=("pwd",)):
    request = make_request()
    session.session_sign_in(request, user, methods=list(methods))
    request.session.save()
    return request


def run_middleware(request, view=None):
    def get_response(req):
        if view is not None:
            view(req)
        return HttpResponse("ok")

    return SessionPolicyMiddleware(get_response)(request)


# --- Timeouts -------------------------------------------------------------------------------


@given(
    started=st.integers(min_value=0, max_value=10**6),
    idle=st.integers(min_value=0, max_value=10**5),
    elapsed=st.integers(min_value=0, max_value=10**5),
)
def test_expiry_reason_over_any_clock(started, idle, elapsed):
    last_seen = started + idle
    now = last_seen + elapsed
    reason = session.expiry_reason(
        started=started, last_seen=last_seen, now=now, idle_seconds=1800, max_seconds=28800
    )
    if now - started >= 28800:
        assert reason == "absolute_timeout"
    elif elapsed >= 1800:
        assert reason == "idle_timeout"
    else:
        assert reason == ""


@pytest.mark.parametrize(
    ("key", "age", "reason"),
    [
        (session.LAST_SEEN, 30 * 60, "idle_timeout"),
        (session.STARTED, 8 * 3600, "absolute_timeout"),
    ],
)
def test_expired_session_is_signed_out_and_recorded(
    make_request, django_capture_on_commit_callbacks, key, age, reason
):
    user = PersonFactory()
    request = signed_in(make_request, user)
    request.session[key] -= age
    if key == session.STARTED:
        request.session[session.LAST_SEEN] = session.now_epoch()
    old_key = request.session.session_key
    events = []
    subscribe(SignedOut, events.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_middleware(request)
    finally:
        unsubscribe(SignedOut, events.append)
    assert not request.user.is_authenticated
    assert session.session_notice(request) == reason
    assert session.session_notice(request) == ""
    event = SignInEvent.objects.get(outcome="expired")
    assert event.reason == reason and event.user == user
    assert AuditEvent.objects.filter(action="identity.session.expire", actor=user).exists()
    assert [(e.user_id, e.session_key, e.reason) for e in events] == [(user.pk, old_key, reason)]


def test_active_session_is_kept_and_touched(make_request):
    request = signed_in(make_request, PersonFactory())
    request.session[session.LAST_SEEN] -= 29 * 60
    before = request.session[session.LAST_SEEN]
    run_middleware(request)
    assert request.user.is_authenticated
    assert request.session[session.LAST_SEEN] > before


def test_timeouts_come_from_settings(make_request, settings):
    settings.GOVHUB_SESSION_IDLE_SECONDS = 60
    request = signed_in(make_request, PersonFactory())
    request.session[session.LAST_SEEN] -= 61
    run_middleware(request)
    assert not request.user.is_authenticated


def test_session_without_identity_keys_starts_its_clocks(client):
    user = PersonFactory()
    client.force_login(user)
    client.get("/healthz")
    assert session.STARTED in client.session and session.LAST_SEEN in client.session


def test_anonymous_requests_pass(make_request):
    request = make_request()
    assert run_middleware(request).status_code == 200


# --- The session's own facts -----------------------------------------------------------------


def test_not_signed_in_facts(make_request):
    request = make_request()
    assert session.session_acr(request) == ""
    assert session.session_amr(request) == []
    assert session.session_auth_time(request) == 0
    assert not session.level_satisfied(request, "L1")
    assert session.acting_for(request) is None


def test_level_follows_account_changes(make_request):
    user = VerifiedPersonFactory()
    request = signed_in(make_request, user, methods=("pwd", "otp"))
    assert session.session_acr(request) == "L2"
    user.in_person_verified_at = timezone.now()
    user.save()
    assert session.session_acr(request) == "L3"
    assert session.level_satisfied(request, "L3") and session.level_satisfied(request, "L1")


def test_federated_sign_in(make_request):
    user = VerifiedPersonFactory()
    request = make_request()
    session.session_sign_in(request, user, methods=["federated"], upstream_acr="L2")
    assert session.session_amr(request) == ["federated"]
    assert session.session_acr(request) == "L2"


def test_sign_out_records_and_publishes(make_request, django_capture_on_commit_callbacks):
    user = PersonFactory()
    request = signed_in(make_request, user)
    request.session["oidc_sid"] = "sid-1"
    key = request.session.session_key
    events = []
    subscribe(SignedOut, events.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            session.session_sign_out(request)
    finally:
        unsubscribe(SignedOut, events.append)
    assert not request.user.is_authenticated
    assert [(e.user_id, e.session_key, e.reason, e.sid) for e in events] == [
        (user.pk, key, "sign_out", "sid-1")
    ]
    assert SignInEvent.objects.get(outcome="signed_out").user == user
    assert AuditEvent.objects.filter(action="identity.session.sign_out").count() == 1
    session.session_sign_out(request)  # signed out already: nothing more
    assert AuditEvent.objects.filter(action="identity.session.sign_out").count() == 1


# --- require_level --------------------------------------------------------------------------


def _view(request):
    return HttpResponse("secret")


def test_require_level_redirects(make_request):
    view = session.require_level("L2")(_view)
    anonymous = make_request(path="/cases/new/?a=1")
    response = view(anonymous)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=/cases/new/%3Fa%3D1")
    low = signed_in(make_request, VerifiedPersonFactory())
    low.path = "/cases/new/"
    low.get_full_path = lambda: "/cases/new/"
    response = view(low)
    assert response.status_code == 302
    assert response["Location"] == "/account/step-up/?next=%2Fcases%2Fnew%2F&level=L2"
    high = signed_in(make_request, VerifiedPersonFactory(), methods=("pwd", "sms"))
    assert view(high).content == b"secret"
    with pytest.raises(ValueError):
        session.require_level("L4")


# --- Acting for an enterprise ---------------------------------------------------------------


def test_representative_acts_for_the_enterprise_and_audit_records_it(make_request):
    enterprise = EnterpriseFactory()
    request = signed_in(make_request, enterprise.legal_representative)
    session.acting_for_set(request, enterprise)
    assert session.acting_for(request) == enterprise
    assert session.acting_for_scopes(request) == set(AgentScope.values)
    switch = AuditEvent.objects.get(action="identity.acting_for.set")
    assert switch.on_behalf_of == f"enterprise:{enterprise.uscc}"
    # The next request: everything audited says on whose behalf.
    follow = make_request(session=request.session, user=request.user)
    run_middleware(
        follow,
        view=lambda req: audit_log(actor=req.user, action="cases.case.submit", request=req),
    )
    assert AuditEvent.objects.get(action="cases.case.submit").on_behalf_of == (
        f"enterprise:{enterprise.uscc}"
    )
    # Back to acting for oneself.
    session.acting_for_set(follow, None)
    assert session.acting_for(follow) is None
    run_middleware(
        make_request(session=follow.session, user=follow.user),
        view=lambda req: audit_log(actor=req.user, action="cases.case.withdraw", request=req),
    )
    assert AuditEvent.objects.get(action="cases.case.withdraw").on_behalf_of == ""


def test_agent_scopes_and_expiry(make_request):
    authorization = AgentAuthorizationFactory(scopes=["view"])
    request = signed_in(make_request, authorization.agent)
    session.acting_for_set(request, authorization.enterprise)
    assert session.acting_for_scopes(request) == {"view"}
    # The authorisation expires: the next request no longer acts for the enterprise.
    authorization.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    authorization.valid_from = authorization.expires_at - datetime.timedelta(days=1)
    authorization.save()
    follow = make_request(session=request.session, user=request.user)
    run_middleware(
        follow, view=lambda req: audit_log(actor=req.user, action="cases.case.view", request=req)
    )
    assert AuditEvent.objects.get(action="cases.case.view").on_behalf_of == ""
    assert session.ACTING_FOR not in follow.session


def test_revoked_agent_cannot_switch(make_request):
    authorization = AgentAuthorizationFactory(revoked_at=timezone.now())
    request = signed_in(make_request, authorization.agent)
    with pytest.raises(Forbidden):
        session.acting_for_set(request, authorization.enterprise)
    denied = AuditEvent.objects.get(action="identity.acting_for.set")
    assert denied.outcome == "denied" and denied.on_behalf_of == ""
    assert session.acting_for(request) is None


def test_stranger_cannot_act_for_an_enterprise(make_request):
    enterprise = EnterpriseFactory()
    request = signed_in(make_request, VerifiedPersonFactory())
    with pytest.raises(Forbidden):
        session.acting_for_set(request, enterprise)
    request.session[session.ACTING_FOR] = enterprise.pk  # a tampered session
    assert session.acting_for(make_request(session=request.session, user=request.user)) is None


def test_suspended_enterprise_stops_acting(make_request):
    enterprise = EnterpriseFactory()
    request = signed_in(make_request, enterprise.legal_representative)
    session.acting_for_set(request, enterprise)
    enterprise.status = "suspended"
    enterprise.save()
    assert session.acting_for(make_request(session=request.session, user=request.user)) is None


def test_sign_in_resets_acting_for(make_request):
    enterprise = EnterpriseFactory()
    request = signed_in(make_request, enterprise.legal_representative)
    session.acting_for_set(request, enterprise)
    session.session_sign_in(request, enterprise.legal_representative, methods=["pwd"])
    assert session.ACTING_FOR not in request.session
