"""The package layout the code relies on: the product imports nothing from its own test harness."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_retrieval_imports_nothing_from_evals() -> None:
    script = (
        "import importlib, pkgutil, sys, retrieval\n"
        "for m in pkgutil.walk_packages(retrieval.__path__, 'retrieval.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n == 'evals' or n.startswith('evals.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_cli_lists_only_the_product_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "retrieval.cli", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert "{ingest,search,stats,ask,serve}" in out.stdout
