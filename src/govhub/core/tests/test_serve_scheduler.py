"""`manage.py serve` starts the scheduler beside the web server (and the db worker), stops
it like the others, and names it when it exits on its own. The processes are fakes here;
test_serve_command.py runs the real ones."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from govhub.core.management.commands import serve


class FakeChild:
    """A child process that runs until signalled, or exits by itself after `polls_left`."""

    started: list[FakeChild] = []

    def __init__(self, command: list[str], **kwargs: Any) -> None:
        self.command = command
        self.kwargs = kwargs
        self.pid = 10_000_000 + len(FakeChild.started)  # no real process has it
        self.returncode: int | None = None
        self.signals: list[int] = []
        self.polls_left: int | None = None
        FakeChild.started.append(self)

    @property
    def role(self) -> str:
        joined = " ".join(self.command)
        for role in ("granian", "db_worker", "run_scheduler"):
            if role in joined:
                return role
        return joined

    def poll(self) -> int | None:
        if self.returncode is None and self.polls_left is not None:
            self.polls_left -= 1
            if self.polls_left <= 0:
                self.returncode = 3
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        self.returncode = -signum

    def wait(self, timeout: float | None = None) -> int:
        assert self.returncode is not None, "waited for a child that was never stopped"
        return self.returncode

    def kill(self) -> None:  # pragma: no cover - only when wait times out
        self.returncode = -signal.SIGKILL


@pytest.fixture
def fake_children(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeChild]]:
    FakeChild.started = []
    killed_groups: list[int] = []
    monkeypatch.setattr(serve.subprocess, "Popen", FakeChild)
    monkeypatch.setattr(serve.os, "killpg", lambda pid, sig: killed_groups.append(pid))
    monkeypatch.setattr(serve.time, "sleep", lambda seconds: None)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield FakeChild.started
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    assert sorted(killed_groups) == sorted(child.pid for child in FakeChild.started)


def exits_after(role: str, polls: int) -> None:
    """Make the child with `role` exit by itself after some polls (once it has started)."""
    original = FakeChild.__init__

    def init(self: FakeChild, command: list[str], **kwargs: Any) -> None:
        original(self, command, **kwargs)
        if self.role == role:
            self.polls_left = polls

    FakeChild.__init__ = init  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _restore_fake_init() -> Iterator[None]:
    original = FakeChild.__init__
    yield
    FakeChild.__init__ = original  # type: ignore[method-assign]


def run_serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        call_command("serve", "--port", "8123", *args)
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_serve_starts_the_scheduler_beside_web_and_worker(fake_children, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    exits_after("run_scheduler", 3)
    code, out, err = run_serve(capsys)
    assert [child.role for child in fake_children] == ["granian", "db_worker", "run_scheduler"]
    scheduler = fake_children[2]
    assert scheduler.command[-3:] == ["-m", "django", "run_scheduler"]
    assert scheduler.kwargs["process_group"] == 0
    assert scheduler.kwargs["env"]["DJANGO_SETTINGS_MODULE"] == "govhub.settings"
    assert "(task worker, scheduler)" in out
    # It exited by itself: the others were stopped, the command names it and fails.
    assert code == 1
    assert err.strip() == "govhub: the scheduler exited with code 3"
    assert [child.signals for child in fake_children] == [[signal.SIGTERM], [signal.SIGTERM], []]


def test_serve_starts_the_scheduler_with_the_rq_backend_too(fake_children, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    exits_after("granian", 2)
    code, out, err = run_serve(capsys)
    assert [child.role for child in fake_children] == ["granian", "run_scheduler"]
    assert "(scheduler)" in out
    assert code == 1
    assert err.strip() == "govhub: the web server exited with code 3"
    assert fake_children[1].signals == [signal.SIGTERM]


def test_no_scheduler_leaves_it_out(fake_children, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    exits_after("db_worker", 2)
    code, _out, err = run_serve(capsys, "--no-scheduler")
    assert code == 1
    assert [child.role for child in fake_children] == ["granian", "db_worker"]
    assert err.strip() == "govhub: the task worker exited with code 3"

    exits_after("granian", 2)
    code, out, _err = run_serve(capsys, "--no-scheduler", "--no-worker")
    assert code == 1
    assert [child.role for child in fake_children[2:]] == ["granian"]
    assert "(web server only)" in out


def test_a_signal_stops_the_scheduler_with_the_others(fake_children, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    original_poll = FakeChild.poll
    polls = 0

    def poll(self: FakeChild) -> int | None:
        nonlocal polls
        polls += 1
        if polls == 4:  # while serving: what Ctrl-C or a service manager does
            os.kill(os.getpid(), signal.SIGTERM)
        return original_poll(self)

    FakeChild.poll = poll  # type: ignore[method-assign]
    try:
        call_command("serve", "--port", "8123")
    finally:
        FakeChild.poll = original_poll  # type: ignore[method-assign]
    out, err = capsys.readouterr()
    assert [child.role for child in fake_children] == ["granian", "db_worker", "run_scheduler"]
    assert all(child.signals == [signal.SIGTERM] for child in fake_children)
    assert "govhub: stopped." in out
    assert err == ""


def test_a_child_that_cannot_start_takes_the_started_ones_down(fake_children, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    original = FakeChild.__init__

    def init(self: FakeChild, command: list[str], **kwargs: Any) -> None:
        if "run_scheduler" in command:
            raise FileNotFoundError(command[0])
        original(self, command, **kwargs)

    FakeChild.__init__ = init  # type: ignore[method-assign]
    with pytest.raises(FileNotFoundError):
        call_command("serve", "--port", "8123")
    assert [child.role for child in fake_children] == ["granian", "db_worker"]
    assert all(child.signals == [signal.SIGTERM] for child in fake_children)
