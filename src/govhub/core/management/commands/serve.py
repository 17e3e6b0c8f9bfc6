"""Serve the platform with a real application server, a task worker and the scheduler.

`make run` ends here. Granian serves the WSGI application; when the task backend is the
database (the embedded setup) a `db_worker` runs alongside, and with any backend the
periodic-job scheduler (`run_scheduler`, one per deployment: `--no-scheduler` on every
other machine). Ctrl-C (SIGINT) or SIGTERM stops them all and waits for them; if one exits
on its own, the others are stopped too and the command names it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the platform (granian) with a background task worker and the scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        # Threads per worker: a department system that calls our OpenID provider back while
        # one of its pages is being served (the sample department system does) needs more
        # than one request in flight per process.
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not start the periodic-job scheduler (run one per deployment)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Signal handlers first: a Ctrl-C that comes while the children start must still
        # stop them, not be lost or leave them running.
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govhub.settings"}
        src = str(settings.BASE_DIR.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH", "")]))
        web = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", options["host"],
            "--port", str(options["port"]),
            "--workers", str(options["workers"]),
            "--blocking-threads", str(options["threads"]),
            "--no-ws",
            "govhub.wsgi:application",
        ]  # fmt: skip
        # Each child leads its own process group: a terminal's Ctrl-C reaches only this
        # command, which then stops every child exactly once and gracefully (a second
        # signal makes granian and db_worker abandon their graceful shutdown).
        commands = [("web server", web)]
        backend = str(settings.TASKS["default"]["BACKEND"])
        if not options["no_worker"] and backend.startswith("django_tasks_db"):
            worker = [sys.executable, "-m", "django", "db_worker", "--interval", "1"]
            commands.append(("task worker", worker))
        if not options["no_scheduler"]:
            commands.append(("scheduler", [sys.executable, "-m", "django", "run_scheduler"]))
        names = [name for name, _command in commands]
        children: list[subprocess.Popen[bytes]] = []
        try:
            for _name, command in commands:
                children.append(subprocess.Popen(command, env=env, process_group=0))  # noqa: S603
        except BaseException:  # one could not start: none of the others may outlive us
            self._stop_all(children)
            raise
        self.stdout.write(
            f"govhub: http://{options['host']}:{options['port']}/ "
            f"({', '.join(names[1:]) or 'web server only'}) — Ctrl-C stops everything."
        )
        self.stdout.flush()
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            ended = [child.poll() is not None for child in children]
            self._stop_all(children)
        if not stopping:  # a child ended on its own: say which, and fail
            for name, child, ended_itself in zip(names, children, ended, strict=True):
                if ended_itself:
                    self.stderr.write(f"govhub: the {name} exited with code {child.returncode}")
            raise SystemExit(1)
        self.stdout.write("govhub: stopped.")

    @staticmethod
    def _stop_all(children: list[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
        """SIGTERM each child once, wait, then kill whatever is left of its group."""
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            # Worker processes of the child (granian's) share its group: none may outlive it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
