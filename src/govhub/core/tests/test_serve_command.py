"""`make run` ends in `manage.py serve`: a real server and a task worker, stopped by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[4]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, json.loads(response.read())


def _children(pid: int) -> dict[int, str]:
    found = subprocess.run(["pgrep", "-a", "-P", str(pid)], capture_output=True, text=True)
    return {int(line.split(" ", 1)[0]): line.split(" ", 1)[1] for line in found.stdout.splitlines()}


def test_serve_starts_web_and_worker_and_stops_on_ctrl_c(tmp_path):
    env = {
        **os.environ,
        "GOVHUB_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "TASK_BACKEND": "database",
        "PYTHONPATH": str(PROJECT / "src"),
    }
    manage = [sys.executable, str(PROJECT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=PROJECT)
    port = _free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [*manage, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=PROJECT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        status, body = 0, {}
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/readyz")
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.3)
        assert status == 200, body
        assert body["checks"] == {"database": "ok", "migrations": "ok"}
        children = _children(server.pid)
        assert any("db_worker" in cmd for cmd in children.values()), children
        assert any("granian" in cmd for cmd in children.values()), children
    finally:
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            pytest.fail("serve did not stop within 30 s of Ctrl-C")
    log.close()
    output = log_path.read_text()
    assert code == 0, output
    assert "stopped" in output
    # Each child leads its own process group (granian's workers are in the server's).
    survivors = [
        pid
        for pid in children
        if subprocess.run(["pgrep", "-g", str(pid)], capture_output=True).stdout.strip()
    ]
    assert not survivors, f"processes survived Ctrl-C: {survivors}"
