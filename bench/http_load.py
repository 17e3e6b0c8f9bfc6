"""The HTTP side of the benchmarks: the standard server (`manage.py serve`) on a spare
port against the bench database, a keep-alive load generator (raw sockets, threads in
two processes: `wrk` is not installed here), and the CPU time each process group spent
while it ran (`/proc`), so a throughput figure says where its time went."""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or ''}{port}/{s['NAME']}"


def serve_command(port: int) -> list[str]:
    return [
        sys.executable, str(ROOT / "manage.py"), "serve", "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip


@contextlib.contextmanager
def server(port: int) -> Any:
    """`manage.py serve` on `port` against the bench database, until the block ends."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    log_path = Path(os.environ.get("GOVHUB_VAR_DIR", "/tmp")) / f"bench-serve-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        serve_command(port), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        answer = b""
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"manage.py serve exited with {process.returncode}: see {log.name}"
                )
            try:
                status, answer, _ms = one_request(port, get_request("/readyz", port))
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"manage.py serve did not become ready ({answer[:200]!r}): see {log.name}"
                )
            time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def get_request(path: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 response from `sock` (Content-Length or chunked): status, body, and
    whether the server keeps the connection open. Leftover bytes stay in `buffer`."""
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        buffer += chunk
    head = bytes(buffer[:end]).decode("latin-1")
    del buffer[: end + 4]
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            while (eol := buffer.find(b"\r\n")) < 0:
                buffer += sock.recv(65536)
            size = int(bytes(buffer[:eol]).split(b";")[0], 16)
            del buffer[: eol + 2]
            while len(buffer) < size + 2:
                buffer += sock.recv(65536)
            body += buffer[:size]
            del buffer[: size + 2]
            if size == 0:
                return status, bytes(body), keep
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        buffer += chunk
    content = bytes(buffer[:length])
    del buffer[:length]
    return status, content, keep


def one_request(port: int, request: bytes) -> tuple[int, bytes, float]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        start = time.perf_counter()
        sock.sendall(request)
        status, body, _keep = read_response(sock, bytearray())
        return status, body, (time.perf_counter() - start) * 1000


def client_process(
    port: int,
    make: Callable[[str], bytes],
    threads: int,
    start_at: float,
    stop_at: float,
    tag: str,
    out: Any,
) -> None:
    """Keep-alive clients (threads) sending requests until `stop_at` (epoch seconds);
    only requests started within [start_at, stop_at) are counted."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        local_statuses: Counter[int] = Counter()
        local: list[float] = []
        sequence = itertools.count()
        sock: socket.socket | None = None
        buffer = bytearray()
        while time.time() < stop_at:
            try:
                if sock is None:
                    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    buffer = bytearray()
                request = make(f"{tag}-{n}-{next(sequence)}")
                began = time.time()
                start = time.perf_counter()
                sock.sendall(request)
                status, body, keep = read_response(sock, buffer)
                elapsed = (time.perf_counter() - start) * 1000
                if began >= start_at:
                    local_statuses[status] += 1
                    local.append(elapsed)
                    if status >= 400 and len(failures) < 3:
                        failures.append(f"{status} {body[:200]!r}")
                if not keep:
                    sock.close()
                    sock = None
            except OSError as exc:
                if time.time() >= start_at:
                    local_statuses[0] += 1
                    if len(failures) < 3:
                        failures.append(repr(exc))
                if sock is not None:
                    sock.close()
                sock = None
        if sock is not None:
            sock.close()
        with lock:
            statuses.update(local_statuses)
            latencies.extend(local)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((dict(statuses), latencies, failures))


def drive(
    port: int, make: Callable[[str], bytes], *, seconds: float, clients: int = 16
) -> tuple[Counter[int], list[float], list[str], float]:
    """`clients` keep-alive connections in two client processes for `seconds` (after a
    one-second warm-up that is not counted)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 1.5
    stop_at = start_at + seconds
    processes = 2 if clients >= 2 else 1
    children = [
        context.Process(
            target=client_process,
            args=(
                port,
                make,
                clients // processes,
                start_at,
                stop_at,
                f"p{k}{uuid.uuid4().hex[:8]}",
                queue,
            ),
        )
        for k in range(processes)
    ]
    for child in children:
        child.start()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    failures: list[str] = []
    for _ in children:
        part_statuses, part_latencies, part_failures = queue.get(timeout=seconds + 120)
        statuses.update(part_statuses)
        latencies.extend(part_latencies)
        failures.extend(part_failures)
    for child in children:
        child.join(timeout=30)
    return statuses, latencies, failures, seconds


# --- CPU time by process group ---------------------------------------------------------------

GROUPS = ("web server", "task worker", "PostgreSQL", "load generator", "other")


def _group(command: str, pid: int) -> str:
    if "granian" in command:
        return "web server"
    if "db_worker" in command or "rqworker" in command:
        return "task worker"
    if command.startswith("postgres"):
        return "PostgreSQL"
    if pid == os.getpid():
        return "load generator"
    return "other"


def process_cpu(pid: int, *, joined_children: bool = False) -> float | None:
    """CPU seconds (user + system) process `pid` has used, with those of its children it
    has waited for if `joined_children`; None when it is not on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    used = int(fields[11]) + int(fields[12])
    if joined_children:
        used += int(fields[13]) + int(fields[14])
    return used / os.sysconf("SC_CLK_TCK")


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of every process now, with its command line."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        name = entry.name
        if not name.isdigit():
            continue
        try:
            command = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
        except OSError:
            continue
        # The load generator is this process and its children, once joined.
        used = process_cpu(int(name), joined_children=int(name) == os.getpid())
        if used is not None:
            found[int(name)] = (command, used)
    return found


def cpu_split(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds each process group spent between two snapshots (this process and its
    joined children are the load generator)."""
    spent: Counter[str] = Counter()
    for pid, (command, seconds) in after.items():
        spent[_group(command, pid)] += seconds - before.get(pid, (command, 0.0))[1]
    return {group: spent.get(group, 0.0) for group in GROUPS}
