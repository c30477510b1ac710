"""The header bank (evals/wild/metadata): policy openings of 90 plans the engine was never tuned on (test, 20) or tuned
on (dev, 70), each in its plan's own shape. Reading their plan, title, number and date may not fall below the recorded floors."""

from __future__ import annotations

import json

import pytest

from evals.headers import BANK, FIELDS, main, read_split

FLOORS = json.loads((BANK / "thresholds.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("split", ["dev", "test"])
def test_header_facts_are_read_no_worse_than_the_floors(split: str) -> None:
    result = read_split(split)
    assert result.documents == {"dev": 70, "test": 20}[split]
    below = {name: (result.right.get(name, 0), FLOORS[split][name]) for name in FIELDS
             if result.right.get(name, 0) < FLOORS[split][name]}
    assert not below, f"{split}: below the floor (read, floor): {below}"


def test_the_test_splits_misses_are_never_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--split", "test", "--show"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("headers test (20 documents): payer ") and out.count("\n") == 1


def test_every_label_is_written_in_its_document() -> None:
    from retrieval.loaders import load_text

    for split in ("dev", "test"):
        for line in (BANK / split / "headers.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = " ".join(load_text(BANK / split / row["file"]).text.split())
            for name in ("title", "policy_id", "effective"):
                if row.get(name):
                    assert " ".join(row[name].split()) in text, (row["file"], name)
