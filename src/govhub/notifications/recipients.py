"""Who hears about a case: the applicant's account (or, for a walk-in applicant, the
real-name verified account with the same ID number), the person who entered the case when
that is not a member of staff, and the applicant's mobile number given on the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from govhub.cases.models import ApplicantKind, Case
from govhub.core.validators import normalize_mobile
from govhub.identity.models import User
from govhub.notifications.models import Channel


@dataclass(frozen=True)
class Target:
    """One recipient on one channel. `address` is what the delivery row is keyed by:
    "user:<id>" for the inbox, the normalised mobile number, the lower-cased e-mail."""

    channel: str
    address: str
    user: User | None
    language: str
    valid: bool = True


def recipient_language(user: Any) -> str:
    """The language to write to `user` in: their own when the account records one (it
    does not yet), otherwise the site's default (Chinese)."""
    language = str(getattr(user, "language", "") or "") if user is not None else ""
    return language or settings.LANGUAGE_CODE


def _mobile(value: str) -> tuple[str, bool]:
    try:
        return normalize_mobile(value), True
    except ValidationError:
        return value.strip(), False


def _is_staff(user: User) -> bool:
    return bool(user.is_staff_account)


def applicant_account(case: Case) -> User | None:
    """The applicant's account: the one the case names or, for a person who applied
    without one, the active real-name verified account holding the same ID number."""
    if case.applicant is not None:
        return case.applicant
    if case.applicant_kind == ApplicantKind.PERSON and case.applicant_id_hash:
        return (
            User.objects.filter(
                id_number_hash=case.applicant_id_hash,
                real_name_verified_at__isnull=False,
                is_active=True,
            )
            .order_by("pk")
            .first()
        )
    return None


def targets_for(case: Case) -> list[Target]:
    """Every (channel, address) to notify about `case`, without duplicates."""
    accounts: list[User] = []
    applicant = applicant_account(case)
    if applicant is not None and applicant.is_active:
        accounts.append(applicant)
    submitter = case.submitted_by
    if (
        submitter is not None
        and submitter.is_active
        and not _is_staff(submitter)
        and all(submitter.pk != account.pk for account in accounts)
    ):
        accounts.append(submitter)

    targets: list[Target] = []
    seen: set[tuple[str, str]] = set()

    def add(channel: str, address: str, user: User | None, valid: bool = True) -> None:
        if not address or (channel, address) in seen:
            return
        seen.add((channel, address))
        targets.append(Target(channel, address, user, recipient_language(user), valid))

    for account in accounts:
        add(Channel.INBOX, f"user:{account.pk}", account)

    # Text messages: the number given on the case for the applicant (or their account's),
    # and the number of a non-staff person who entered it.
    applicant_mobile = case.applicant_mobile or (applicant.mobile if applicant else "")
    if applicant_mobile:
        number, valid = _mobile(applicant_mobile)
        add(Channel.SMS, number, applicant, valid)
    for account in accounts:
        if account is not applicant and account.mobile:
            number, valid = _mobile(account.mobile)
            add(Channel.SMS, number, account, valid)

    for account in accounts:
        if account.email:
            add(Channel.EMAIL, account.email.strip().lower(), account)
    return targets
