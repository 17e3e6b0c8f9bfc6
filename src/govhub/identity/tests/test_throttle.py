"""Lockout with back-off: the pure arithmetic (hypothesis over clocks) and its storage."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhub.identity import throttle
from govhub.identity.models import LoginThrottle

POLICY = throttle.LockPolicy(threshold=5, base_seconds=300, max_seconds=86400)
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def test_lock_seconds_double_and_are_capped():
    assert [throttle.lock_seconds(n, POLICY) for n in range(1, 6)] == [300, 600, 1200, 2400, 4800]
    assert throttle.lock_seconds(10, POLICY) == 86400
    assert throttle.lock_seconds(10_000, POLICY) == 86400


def test_fifth_failure_locks_then_back_off_doubles():
    state = throttle.ThrottleState()
    now = START
    for _ in range(4):
        state, locked = throttle.register_failure(state, now=now, policy=POLICY)
        assert not locked
    state, locked = throttle.register_failure(state, now=now, policy=POLICY)
    assert locked and throttle.remaining_seconds(state, now) == 300
    # After the lock, five more failures lock for twice as long.
    now += datetime.timedelta(seconds=301)
    assert throttle.remaining_seconds(state, now) == 0
    for _ in range(5):
        state, locked = throttle.register_failure(state, now=now, policy=POLICY)
    assert locked and throttle.remaining_seconds(state, now) == 600


def test_failures_a_day_old_are_forgotten():
    state = throttle.ThrottleState(failures=4, lock_count=3, last_failure_at=START)
    later = START + throttle.FORGET_AFTER
    state, locked = throttle.register_failure(state, now=later, policy=POLICY)
    assert not locked
    assert state.failures == 1 and state.lock_count == 0


steps = st.lists(st.integers(min_value=0, max_value=3 * 86400), min_size=1, max_size=40)


@given(gaps=steps)
def test_lock_invariants_over_any_clock(gaps):
    """Whatever the spacing of failures: a lock never exceeds the maximum, starts only on
    the threshold-th consecutive counted failure, and back-off never shortens a lock
    while failures keep coming within a day."""
    state = throttle.ThrottleState()
    now = START
    previous_length = 0
    for gap in gaps:
        now += datetime.timedelta(seconds=gap)
        forgotten = state.last_failure_at is not None and now - state.last_failure_at >= (
            throttle.FORGET_AFTER
        )
        before = throttle.ThrottleState() if forgotten else state
        state, locked = throttle.register_failure(state, now=now, policy=POLICY)
        if locked:
            length = throttle.remaining_seconds(state, now)
            assert 0 < length <= POLICY.max_seconds
            assert before.failures + 1 == POLICY.threshold
            if before.lock_count:
                assert length >= previous_length
            previous_length = length
        else:
            assert state.failures == before.failures + 1 < POLICY.threshold
            assert state.lock_count == before.lock_count


@pytest.mark.django_db
def test_record_failure_stores_and_clear_resets(settings):
    settings.GOVHUB_LOCKOUT_ACCOUNT_FAILURES = 2
    scope = LoginThrottle.Scope.ACCOUNT
    assert throttle.record_failure(scope=scope, value="user:1", label="a", now=START) == 0
    assert throttle.failures_left(scope=scope, value="user:1") == 1
    assert throttle.record_failure(scope=scope, value="user:1", label="a", now=START) == 300
    assert throttle.locked_for(scope=scope, value="user:1", now=START) == 300
    assert throttle.locked_for(scope=scope, value="user:2", now=START) == 0
    row = LoginThrottle.objects.get()
    assert row.key_hash != "user:1" and len(row.key_hash) == 64 and row.lock_count == 1
    throttle.clear(scope=scope, value="user:1")
    assert throttle.locked_for(scope=scope, value="user:1", now=START) == 0
    assert LoginThrottle.objects.get().lock_count == 0
