"""Run every benchmark under bench/ and record the figures in docs/performance.md.

    make bench                       # embedded setup: a scratch SQLite database
    DATABASE_URL=postgres://... make bench   # the same on PostgreSQL (a scratch database)

Each `bench/bench_*.py` module has `run() -> list[Figure]`. The runner prepares a fresh
database with the demo data, runs them all, prints a table, and rewrites the section of
docs/performance.md between the markers for this database engine. Targets are checked
here, never in unit tests: a missed target makes `make bench` exit non-zero.
"""

from __future__ import annotations

import importlib.util
import io
import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def main() -> int:
    scratch = tempfile.mkdtemp(prefix="govhub-bench-")
    os.environ["GOVHUB_VAR_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from common import Figure  # noqa: F401 - re-exported for the modules
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    engine = connection.vendor
    # A scratch database: on SQLite the default file under the scratch directory (a
    # file, as in production, not the in-memory test database); on PostgreSQL `test_<name>`.
    if engine == "sqlite":
        call_command("migrate", verbosity=0)
        old = None
    else:
        # Its own scratch name, so a test run on the same server is never in the way.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = "govhub_bench"
        old = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("load_demo_data", stdout=io.StringIO())
        figures = []
        failed: list[str] = []
        for path in sorted((ROOT / "bench").glob("bench_*.py")):
            spec = importlib.util.spec_from_file_location(path.stem, path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            print(f"== {path.stem} ({engine})", flush=True)
            try:
                figures.extend(module.run())
            except Exception:  # one broken benchmark must not lose the others' figures
                traceback.print_exc()
                failed.append(path.stem)
    finally:
        if old is not None:
            teardown_databases(old, verbosity=0)

    from common import render_table, write_section

    table = render_table(figures)
    print(table)
    stamp = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z")
    write_section(
        ROOT / "docs" / "performance.md",
        engine,
        f"Measured {stamp} on {machine()}; database: {engine}.\n\n{table}",
    )
    for name in failed:
        print(f"FAILED: {name} (its traceback is above; its figures are missing)")
    missed = [f for f in figures if f.target is not None and not f.ok]
    for figure in missed:
        print(
            f"MISSED: {figure.name}: {figure.value:.2f} {figure.unit} (target {figure.target_text})"
        )
    return 1 if missed or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
