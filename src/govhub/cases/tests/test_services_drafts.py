"""Discarding a draft (`case_draft_discard`): the draft, its rows and its files go, one
audit record stays; nobody else may do it; a submitted case is withdrawn, not discarded;
and withdrawing is refused for a draft."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import default_storage

from govhub.cases import services
from govhub.cases.models import Case, CaseEvent, CaseMaterial
from govhub.cases.tests.factories import (
    application_form,
    make_online_item,
    pdf_upload,
    submit_case,
)
from govhub.cases.workflow import State
from govhub.core.errors import Conflict, Forbidden, NotFound
from govhub.core.models import AuditEvent
from govhub.identity.models import AgentScope
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    VerifiedPersonFactory,
)
from govhub.notifications.models import Message

pytestmark = pytest.mark.django_db
ACTION = "cases.case.draft_discard"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield


@pytest.fixture
def applicant() -> Any:
    return VerifiedPersonFactory()


def draft_with_files(applicant: Any, *, acting_for: Any = None) -> tuple[Case, list[str]]:
    """A draft with two stored files: the application form, uploaded twice (the first
    file replaced, its row kept as not current), and a file without a catalogue material."""
    item = make_online_item()
    draft = services.case_draft_save(actor=applicant, item=item, acting_for=acting_for)
    form = application_form(item)
    for upload in (pdf_upload("第一版.pdf"), pdf_upload("第二版.pdf")):
        services.case_material_upload(
            actor=applicant, case=draft, file=upload, material=form, acting_for=acting_for
        )
    services.case_material_upload(
        actor=applicant,
        case=draft,
        file=pdf_upload("补充.pdf"),
        name="补充说明",
        acting_for=acting_for,
    )
    names = list(draft.materials.exclude(file="").values_list("file", flat=True))
    assert names and all(default_storage.exists(name) for name in names)
    return draft, names


def test_the_owner_discards_a_draft_its_rows_and_then_its_files(
    applicant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft, names = draft_with_files(applicant)
    assert len(names) == 3
    code = draft.item.implementation_code
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.case_draft_discard(actor=applicant, case=draft)
    assert result is None
    assert not Case.objects.filter(pk=draft.pk).exists()
    assert not CaseMaterial.objects.filter(case_id=draft.pk).exists()
    # The files go only once the transaction has committed.
    assert all(default_storage.exists(name) for name in names)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in names)
    record = AuditEvent.objects.get(action=ACTION)
    assert record.outcome == AuditEvent.Outcome.SUCCESS
    assert record.actor == applicant
    assert record.object_type == "cases.case" and record.object_id == str(draft.pk)
    assert record.changes == {"item": code, "files": 3}
    # Nothing happened to an application: no history, no notification.
    assert not CaseEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_file_already_missing_from_storage_is_fine(
    applicant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft, names = draft_with_files(applicant)
    default_storage.delete(names[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.case_draft_discard(actor=applicant, case=draft)
    assert not Case.objects.filter(pk=draft.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_storage_error_is_logged_and_the_other_files_still_go(
    applicant: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any, caplog: Any
) -> None:
    draft, names = draft_with_files(applicant)
    storage = CaseMaterial._meta.get_field("file").storage
    real_delete = storage.delete
    broken = sorted(names)[0]

    def delete(name: str) -> None:
        if name == broken:
            raise OSError("storage unavailable")
        real_delete(name)

    monkeypatch.setattr(storage, "delete", delete)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_draft_discard(actor=applicant, case=draft)
    assert not Case.objects.filter(pk=draft.pk).exists()
    assert [name for name in names if default_storage.exists(name)] == [broken]
    assert broken in caplog.text


def test_an_empty_draft_is_discarded_too(applicant: Any) -> None:
    draft = services.case_draft_save(actor=applicant, item=make_online_item())
    services.case_draft_discard(actor=applicant, case=draft)
    assert not Case.objects.exists()
    assert AuditEvent.objects.get(action=ACTION).changes["files"] == 0


def test_another_person_is_refused_and_the_refusal_is_recorded(
    applicant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft, names = draft_with_files(applicant)
    stranger = VerifiedPersonFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Forbidden):
        services.case_draft_discard(actor=stranger, case=draft)
    assert Case.objects.get(pk=draft.pk).state == State.DRAFT
    assert draft.materials.count() == 3
    assert all(default_storage.exists(name) for name in names)
    record = AuditEvent.objects.get(action=ACTION)
    assert record.outcome == AuditEvent.Outcome.DENIED
    assert record.actor == stranger and record.object_id == str(draft.pk)


def test_a_submitted_case_is_not_a_draft(applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    with pytest.raises(Conflict) as caught:
        services.case_draft_discard(actor=applicant, case=case)
    assert caught.value.code == "not_a_draft"
    assert "撤回" in str(caught.value.message)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.materials.exists()
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_a_draft_discarded_already_is_not_found(applicant: Any) -> None:
    draft = services.case_draft_save(actor=applicant, item=make_online_item())
    services.case_draft_discard(actor=applicant, case=draft)
    with pytest.raises(NotFound):
        services.case_draft_discard(actor=applicant, case=draft)


def test_an_enterprise_draft_follows_the_editing_rule(
    django_capture_on_commit_callbacks: Any,
) -> None:
    enterprise = EnterpriseFactory()
    representative = enterprise.legal_representative
    draft, _names = draft_with_files(representative, acting_for=enterprise)
    viewer = VerifiedPersonFactory()
    AgentAuthorizationFactory(enterprise=enterprise, agent=viewer, scopes=[AgentScope.VIEW])
    with pytest.raises(Forbidden):  # may read the enterprise's cases, not change them
        services.case_draft_discard(actor=viewer, case=draft, acting_for=enterprise)
    with pytest.raises(Forbidden):  # not acting for the enterprise
        services.case_draft_discard(actor=representative, case=draft)
    agent = AgentAuthorizationFactory(enterprise=enterprise).agent  # apply scope
    with django_capture_on_commit_callbacks(execute=True):
        services.case_draft_discard(actor=agent, case=draft, acting_for=enterprise)
    assert not Case.objects.filter(pk=draft.pk).exists()
    outcomes = list(
        AuditEvent.objects.filter(action=ACTION).order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes == ["denied", "denied", "success"]


def test_withdrawing_a_draft_is_refused(applicant: Any) -> None:
    draft = services.case_draft_save(actor=applicant, item=make_online_item())
    with pytest.raises(Conflict) as caught:
        services.case_withdraw(actor=applicant, case=draft, reason="不办了")
    assert "放弃草稿" in str(caught.value.message)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.number is None
    assert not CaseEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.case.withdraw").exists()
