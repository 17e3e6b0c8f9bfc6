"""Keep the English translation complete.

Simplified Chinese is the source language of every user-facing string; English lives in
`src/govhub/locale/en/LC_MESSAGES/django.po`, and its compiled `.mo` is committed (as
Django itself does) so that `make run` needs no gettext tools.

    python -m govhub.core.i18n_check            # fail on any missing, empty or fuzzy entry
    python -m govhub.core.i18n_check --compile  # write the .mo from the .po, then check

With gettext's xgettext available it also extracts the strings from the source again
(in a scratch copy, never touching the tree) and fails on any not in the catalogue.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("en",)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def catalogue_problems(po: polib.POFile) -> list[str]:
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        where = entry.occurrences[0][0] if entry.occurrences else "?"
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r} ({where})")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                problems.append(f"untranslated plural: {entry.msgid!r} ({where})")
        elif not entry.msgstr:
            problems.append(f"untranslated: {entry.msgid!r} ({where})")
    return problems


def mo_problems(po: polib.POFile, mo_file: Path) -> list[str]:
    if not mo_file.exists():
        return [f"{mo_file} is missing: run `python -m govhub.core.i18n_check --compile`"]
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(mo_file))
    }
    wanted = {
        (e.msgctxt, e.msgid): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in po.translated_entries()
    }
    compiled = {
        k: (v[0], {int(i): s for i, s in v[1].items()}) for k, v in compiled.items() if k[1]
    }
    if compiled != wanted:
        return [f"{mo_file} is out of date: run `python -m govhub.core.i18n_check --compile`"]
    return []


def extracted_problems(language: str, po: polib.POFile) -> list[str]:
    """Strings in the source that the catalogue lacks (needs gettext's xgettext)."""
    if shutil.which("xgettext") is None:
        print(
            "i18n_check: xgettext not found; skipping the source extraction check", file=sys.stderr
        )
        return []
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "govhub"
        shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR / "src"), "DATABASE_URL": ""}
        subprocess.run(  # noqa: S603 - fixed command
            [sys.executable, str(PROJECT_DIR / "manage.py"), "makemessages", "-l", language,
             "--no-obsolete", "--add-location=never", "--ignore=tests/*"],
            cwd=copy, env=env, check=True, capture_output=True,
        )  # fmt: skip
        fresh = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
    known = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    return [
        f"not in the catalogue: {entry.msgid!r} — run `make messages` and translate it"
        for entry in fresh
        if (entry.msgctxt, entry.msgid) not in known
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--compile", action="store_true", help="write .mo files first")
    args = parser.parse_args(argv)
    problems: list[str] = []
    for language in LANGUAGES:
        path = po_path(language)
        if not path.exists():
            problems.append(f"{path} is missing")
            continue
        po = polib.pofile(str(path))
        mo_file = path.with_suffix(".mo")
        if args.compile:
            po.save_as_mofile(str(mo_file))
        problems += catalogue_problems(po)
        problems += mo_problems(po, mo_file)
        problems += extracted_problems(language, po)
    for problem in problems:
        print(f"i18n_check: {problem}", file=sys.stderr)
    if not problems:
        print("i18n_check: the English catalogue is complete.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
