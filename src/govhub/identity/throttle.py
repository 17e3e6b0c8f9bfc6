"""Failed-sign-in lockout with back-off, per account and per address.

Each account and each client address has a counter of consecutive failures. Reaching
the threshold (`GOVHUB_LOCKOUT_ACCOUNT_FAILURES`, `GOVHUB_LOCKOUT_ADDRESS_FAILURES`)
locks it for `GOVHUB_LOCKOUT_BASE_SECONDS`; every further lock lasts twice as long as the
previous one, at most `GOVHUB_LOCKOUT_MAX_SECONDS`. A successful sign-in clears the
account's counters (not the address's). Counters forget failures older than a day.

The arithmetic is in the pure `register_failure`; the rest stores it.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace

from django.conf import settings
from django.utils import timezone

from govhub.core.crypto import lookup_hash
from govhub.identity.models import LoginThrottle

# Failures (and past locks) older than this no longer count.
FORGET_AFTER = datetime.timedelta(days=1)

Scope = LoginThrottle.Scope


@dataclass(frozen=True)
class ThrottleState:
    failures: int = 0
    lock_count: int = 0
    locked_until: datetime.datetime | None = None
    last_failure_at: datetime.datetime | None = None


@dataclass(frozen=True)
class LockPolicy:
    threshold: int
    base_seconds: int
    max_seconds: int


def lock_seconds(lock_count: int, policy: LockPolicy) -> int:
    """How long the `lock_count`-th lock (1 = first) lasts."""
    exponent = max(0, lock_count - 1)
    if exponent >= 40:
        return policy.max_seconds
    return int(min(policy.base_seconds * 2**exponent, policy.max_seconds))


def remaining_seconds(state: ThrottleState, now: datetime.datetime) -> int:
    """Seconds until the lock ends (rounded up); 0 when not locked."""
    if state.locked_until is None or state.locked_until <= now:
        return 0
    return math.ceil((state.locked_until - now).total_seconds())


def register_failure(
    state: ThrottleState, *, now: datetime.datetime, policy: LockPolicy
) -> tuple[ThrottleState, bool]:
    """The state after one more failure, and whether this failure started a lock."""
    if state.last_failure_at is not None and now - state.last_failure_at >= FORGET_AFTER:
        state = ThrottleState()
    failures = state.failures + 1
    if failures >= policy.threshold:
        lock_count = state.lock_count + 1
        locked_until = now + datetime.timedelta(seconds=lock_seconds(lock_count, policy))
        return ThrottleState(0, lock_count, locked_until, now), True
    return replace(state, failures=failures, last_failure_at=now), False


def policy_for(scope: str) -> LockPolicy:
    threshold = (
        settings.GOVHUB_LOCKOUT_ACCOUNT_FAILURES
        if scope == Scope.ACCOUNT
        else settings.GOVHUB_LOCKOUT_ADDRESS_FAILURES
    )
    return LockPolicy(
        threshold=max(1, threshold),
        base_seconds=settings.GOVHUB_LOCKOUT_BASE_SECONDS,
        max_seconds=settings.GOVHUB_LOCKOUT_MAX_SECONDS,
    )


def throttle_key(scope: str, value: str) -> str:
    return lookup_hash(value, purpose=f"login_throttle:{scope}")


def _state(row: LoginThrottle) -> ThrottleState:
    return ThrottleState(row.failures, row.lock_count, row.locked_until, row.last_failure_at)


def locked_for(*, scope: str, value: str, now: datetime.datetime | None = None) -> int:
    """Seconds the account or address stays locked (0: not locked)."""
    row = LoginThrottle.objects.filter(scope=scope, key_hash=throttle_key(scope, value)).first()
    if row is None:
        return 0
    return remaining_seconds(_state(row), now or timezone.now())


def record_failure(
    *, scope: str, value: str, label: str = "", now: datetime.datetime | None = None
) -> int:
    """Count one failure; returns the seconds of the lock it started (0: none). Call it
    inside a transaction."""
    now = now or timezone.now()
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(
        scope=scope, key_hash=throttle_key(scope, value), defaults={"label": label[:64]}
    )
    state, locked = register_failure(_state(row), now=now, policy=policy_for(scope))
    row.failures = state.failures
    row.lock_count = state.lock_count
    row.locked_until = state.locked_until
    row.last_failure_at = state.last_failure_at
    row.save(update_fields=["failures", "lock_count", "locked_until", "last_failure_at"])
    return remaining_seconds(state, now) if locked else 0


def failures_left(*, scope: str, value: str) -> int:
    row = LoginThrottle.objects.filter(scope=scope, key_hash=throttle_key(scope, value)).first()
    failures = row.failures if row is not None else 0
    return max(0, policy_for(scope).threshold - failures)


def clear(*, scope: str, value: str) -> None:
    LoginThrottle.objects.filter(scope=scope, key_hash=throttle_key(scope, value)).update(
        failures=0, lock_count=0, locked_until=None
    )


def unlock(*, scope: str, value: str) -> None:
    """End a lock now (an administrator's decision); the back-off history stays."""
    LoginThrottle.objects.filter(scope=scope, key_hash=throttle_key(scope, value)).update(
        failures=0, locked_until=None
    )
