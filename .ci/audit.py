"""`make audit`: pip-audit over the exact versions installed in the project's environment, with accepted ids.

Exit codes: 0 no known vulnerability outside audit-ignore.txt (or the vulnerability service could not be reached,
which is said on a line of its own: "skipped: vulnerability service unreachable"); 1 a known vulnerability that is
not accepted; 2 audit-ignore.txt is malformed (an id without a reason).

pip-audit on its own reports "No known vulnerabilities found" and exits 0 when it could audit nothing (every package
"not found on PyPI"), which would let CI pass while hiding that nothing was checked; this script counts what was
actually audited and says so.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "audit-ignore.txt"
UNREACHABLE = re.compile(r"ConnectionError|NameResolutionError|Max retries exceeded|Temporary failure in name resolution|"
                         r"timed out|ConnectTimeout|ReadTimeout|SSLError|HTTPError: 5\d\d", re.I)
_ID = re.compile(r"^(?:PYSEC|GHSA|CVE|OSV|GSD|PVE)-[\w-]+$", re.I)


def accepted_ids(path: Path) -> dict[str, str]:
    """id → reason. Blank lines and `#` comments are skipped; an id without a reason is an error."""
    accepted: dict[str, str] = {}
    if not path.exists():
        return accepted
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = line.partition(" ")
        if not _ID.match(vuln_id) or not reason.strip():
            raise ValueError(f"{path.name} line {number}: expected 'ID reason', e.g. 'GHSA-xxxx-xxxx-xxxx not reachable: we never "
                             f"call the affected function', got {raw!r}")
        accepted[vuln_id.upper()] = reason.strip()
    return accepted


def installed(python: str) -> list[str]:
    """`name==version` for every installed distribution except the project itself (editable) and pip's own tools.
    A local version label (`torch==2.13.0+cpu`) is dropped: advisories name the public version."""
    out = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable", "--all"], capture_output=True, text=True,
                         check=True).stdout
    pins = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith(("-e ", "#")) or "==" not in line:
            continue  # editable installs and direct references have no public version to look up
        pins.append(line.split("+", 1)[0])
    return pins


def run_pip_audit(pins: list[str], timeout_s: int) -> tuple[int, dict | None, str]:
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("\n".join(pins) + "\n", encoding="utf-8")
        report = Path(tmp) / "report.json"
        try:
            done = subprocess.run(
                [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
                 "--progress-spinner", "off", "-f", "json", "-o", str(report)],
                capture_output=True, text=True, timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return 124, None, f"pip-audit did not finish in {timeout_s} s (timed out)"
        data = json.loads(report.read_text(encoding="utf-8")) if report.exists() and report.stat().st_size else None
        return done.returncode, data, done.stderr


def judge(data: dict | None, code: int, stderr: str, accepted: dict[str, str]) -> tuple[int, list[str]]:
    """The exit code and the lines to print, from pip-audit's JSON report (or its failure)."""
    if data is None:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        if UNREACHABLE.search(stderr):
            return 0, [f"pip-audit: skipped: vulnerability service unreachable ({last[:200]})"]
        return 1, [f"pip-audit failed (exit {code}): {last[:500]}"]
    dependencies = data.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        return 0, [f"pip-audit: skipped: vulnerability service unreachable (none of {len(dependencies)} packages could be "
                   f"audited; pip-audit says: {skipped[0]['skip_reason']})"]
    lines = [f"pip-audit: {len(audited)} of {len(dependencies)} installed packages audited"]
    lines += [f"  not audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}" for d in skipped]
    failing = 0
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            ids = {vuln["id"].upper(), *(a.upper() for a in vuln.get("aliases", []))}
            reason = next((accepted[i] for i in sorted(ids) if i in accepted), None)
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            where = f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})"
            if reason is None:
                failing += 1
                lines.append(f"  VULNERABLE {where}")
            else:
                lines.append(f"  accepted   {where}: {reason}")
    lines.append(f"pip-audit: {failing} known vulnerabilities not accepted in {IGNORE_FILE.name}" if failing
                 else "pip-audit: no known vulnerabilities outside audit-ignore.txt")
    return (1 if failing else 0), lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=".ci/audit.py", description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the environment to audit (default: this interpreter's)")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument("--report", type=Path, help="judge this pip-audit JSON report instead of running pip-audit")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args(argv)
    try:
        accepted = accepted_ids(args.ignore_file)
    except ValueError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    if args.report is not None:
        code, data, stderr = 0, json.loads(args.report.read_text(encoding="utf-8")), ""
    else:
        code, data, stderr = run_pip_audit(installed(args.python), args.timeout)
    status, lines = judge(data, code, stderr, accepted)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
