"""`make audit` (.ci/audit.py) judges pip-audit's report: fails on a vulnerability not accepted, says when it could not check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / ".ci" / "audit.py"
VULNERABLE = {"dependencies": [
    {"name": "requests", "version": "2.0.0", "vulns": [
        {"id": "PYSEC-2014-13", "fix_versions": ["2.3.0"], "aliases": ["CVE-2014-1829", "GHSA-652x-xj99-gmcc"], "description": "…"}]},
    {"name": "numpy", "version": "2.4.6", "vulns": []},
    {"name": "torch", "version": "2.13.0", "skip_reason": "Dependency not found on PyPI and could not be audited: torch (2.13.0)"},
]}
NOTHING_AUDITED = {"dependencies": [
    {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)"}
    for name in ("numpy", "requests")
]}


def _judge(tmp_path: Path, report: dict, ignore: str = "") -> subprocess.CompletedProcess:
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (tmp_path / "ignore.txt").write_text(ignore, encoding="utf-8")
    return subprocess.run([sys.executable, str(AUDIT), "--report", str(tmp_path / "report.json"),
                           "--ignore-file", str(tmp_path / "ignore.txt")], capture_output=True, text=True, timeout=60)


def test_a_vulnerability_not_accepted_fails_and_is_named(tmp_path: Path) -> None:
    done = _judge(tmp_path, VULNERABLE, "# nothing accepted\n")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VULNERABLE requests 2.0.0: PYSEC-2014-13 (fixed in 2.3.0)" in done.stdout
    assert "2 of 3 installed packages audited" in done.stdout
    assert "not audited: torch 2.13.0" in done.stdout  # what was not checked is said, not hidden


def test_a_vulnerability_accepted_by_any_alias_passes_with_its_reason(tmp_path: Path) -> None:
    done = _judge(tmp_path, VULNERABLE, "CVE-2014-1829 we never send credentials on redirects\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "accepted   requests 2.0.0: PYSEC-2014-13 (fixed in 2.3.0): we never send credentials on redirects" in done.stdout


def test_nothing_audited_is_reported_as_skipped_not_as_clean(tmp_path: Path) -> None:
    done = _judge(tmp_path, NOTHING_AUDITED)
    assert done.returncode == 0
    assert done.stdout.startswith("pip-audit: skipped: vulnerability service unreachable (none of 2 packages")
    assert "no known vulnerabilities" not in done.stdout.lower()


def test_an_accepted_id_without_a_reason_is_an_error(tmp_path: Path) -> None:
    done = _judge(tmp_path, VULNERABLE, "PYSEC-2014-13\n")
    assert done.returncode == 2
    assert "line 1: expected 'ID reason'" in done.stderr
