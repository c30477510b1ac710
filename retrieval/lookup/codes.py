"""One code in one policy: the rows that list it (quoted), the policy's position on what the code bills, and what the
policy says about prior approval for it. The answer engine's own finders and gates do the reading; this module only
turns a code row into the question they answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ..answer import AnswerEngine, Citation
from ..answer.compose import cite
from ..answer.finders.coverage import coverage_refined
from ..answer.finders.prior_approval import prior_approval as prior_approval_finder
from ..answer.safety import POSITIVE, positive_is_safe
from ..answer.understanding import Understanding
from ..answer.view import PolicyView, match
from ..lexicon.verdicts import code_row_verdict, polarity_agrees
from ..models import Unit
from ..search import CODE_PATTERN
from .catalogue import ICD10_PATTERN, CodeCatalogue
from .phrases import PriorApproval, prior_approval_of
from .policies import summary

MAX_ROWS = 4
# How much of what a code row describes a statement (or its list item) must name to carry the code's position when the
# policy states more than one. The engine's 0.5 is for questions; on evals/corpus code rows 0.67 let "Intragastric
# balloon placement" (investigational) answer for an adjustable gastric band, while the right matches scored 1.0.
CODE_MIN_MATCH = 0.85
# How much of a code row one sentence of a mixed prior-approval paragraph must name to decide for the code. On
# evals/corpus: "Arthroscopy, temporomandibular joint, surgical" names "Prior approval is required for TMJ arthroscopy
# ..." at 0.43; "sensor" alone (0.11 for an implantable monitor's pocket) or "transmitter" (0.26) decide nothing.
PA_SENTENCE_MIN_MATCH = 0.4
SILENT = "silent on prior approval"  # the prior-approval finder's note when a policy never mentions it
# a wrapped code row goes on in an indented line ("95249  Ambulatory CGM ...\n         equipment; sensor ...")
_CONTINUATION = re.compile(r"[ \t]*\n[ \t]{4,}")
_ROW_NOISE = re.compile(r"\||\b(?:CPT|HCPCS|CDT|ICD-10(?:-CM)?)\b")


@dataclass(frozen=True)
class Position:
    verdict: str
    quote: Citation

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "quote": self.quote.to_dict()}


@dataclass(frozen=True)
class CodeInPolicy:
    """A policy that lists a code: where, and its position on the service the code bills (None when it cannot be
    read with confidence; then `positions` quotes each position the policy states)."""

    code: str
    policy: dict[str, Any]
    rows: tuple[Citation, ...]
    verdict: str | None
    verdict_quotes: tuple[Citation, ...]
    note: str | None
    positions: tuple[Position, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.policy, "rows": [c.to_dict() for c in self.rows], "verdict": self.verdict,
                "verdict_quotes": [c.to_dict() for c in self.verdict_quotes], "note": self.note,
                "positions": [p.to_dict() for p in self.positions]}


@dataclass(frozen=True)
class PriorApprovalInPolicy:
    """What a policy that lists a code says about prior approval for it, with the sentences that say it."""

    code: str
    policy: dict[str, Any]
    disposition: PriorApproval
    quotes: tuple[Citation, ...]
    rows: tuple[Citation, ...]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.policy, "disposition": self.disposition, "quotes": [c.to_dict() for c in self.quotes],
                "rows": [c.to_dict() for c in self.rows], "note": self.note}


@dataclass(frozen=True)
class CodePosition:
    rows: list[Unit]
    verdict: str | None
    quotes: list[Unit]
    note: str | None
    positions: tuple[Unit, ...] = ()


class CodeReader:
    def __init__(self, engine: AnswerEngine, catalogue: CodeCatalogue):
        self.engine = engine
        self.catalogue = catalogue

    # ------------------------------------------------------------------ the rows
    def rows(self, code: str, doc_key: str) -> list[Unit]:
        """Where the policy lists the code: its code rows (with their wrapped lines) first, else the line it stands in."""
        view = self.engine.views[doc_key]
        listings = sorted(self.catalogue.listings(code, doc_key),
                          key=lambda x: (x.unit.section_kind != "codes", x.unit.kind not in {"code_row", "list_item"}, x.start))
        out: list[Unit] = []
        for listing in listings:
            if listing.unit.kind in {"code_row", "list_item"}:
                found = [listing.unit, *self._continuation(view, listing.unit)]
            else:
                found = [_line(view, listing.unit, listing.start, listing.end)]
            out += [x for x in found if all((x.start, x.end) != (y.start, y.end) for y in out)]
            if len(out) >= MAX_ROWS:
                break
        return out[:MAX_ROWS]

    def _continuation(self, view: PolicyView, row: Unit) -> list[Unit]:
        text = view.record.text
        after = [x for x in view.units if x.start >= row.end and x.section == row.section]
        out: list[Unit] = []
        previous = row
        for unit in after:
            piece = text[unit.start:unit.end]
            if (unit.kind != "sentence" or not _CONTINUATION.fullmatch(text[previous.end:unit.start])
                    or CODE_PATTERN.search(piece) or ICD10_PATTERN.search(piece)):
                break
            out.append(unit)
            previous = unit
        return out

    def _understanding(self, code: str, view: PolicyView, rows: list[Unit]) -> Understanding:
        """The row read as the question "Is <what the row describes> covered?", about this policy only. What a row
        describes is the service itself: "without electrical stimulation" says what the code bills, not that
        something is absent, so nothing is read as negated."""
        described = " ".join(view.text_of(x) for x in rows).replace(code, " ")
        described = " ".join(_ROW_NOISE.sub(" ", described).split()) or code
        u = self.engine.reader.read(f"Is {described} covered?", [])
        service = view.service_words()
        return replace(u, doc_keys=(view.record.doc_key,), intent="coverage", payers=(), unknown_payer=None,
                       policy_ids=(), codes=(code,), comparison=False, age=None, bmi=None, negated=(),
                       indication=tuple(w for w in u.content if w not in service))

    # ------------------------------------------------------------------ the position
    def position(self, code: str, doc_key: str) -> CodeInPolicy:
        found = self.position_units(code, doc_key)
        record = self.engine.views[doc_key].record
        return CodeInPolicy(code, summary(record), tuple(cite(record, x, "answer", 1.0) for x in found.rows),
                            found.verdict, tuple(cite(record, x, "verdict", 1.0) for x in found.quotes), found.note,
                            tuple(Position(x.verdict, cite(record, x, "context", 0.5)) for x in found.positions))

    def position_units(self, code: str, doc_key: str) -> CodePosition:
        """The policy's position on what a code bills, as units of the policy (the engine quotes them too)."""
        view = self.engine.views[doc_key]
        rows = self.rows(code, doc_key)

        def found(verdict: str | None, quotes: list[Unit], note: str | None, positions: tuple[Unit, ...] = ()):
            return CodePosition(rows, verdict, quotes, note, positions)

        for x in rows:  # "43290  Upper endoscopy ... (investigational)"
            marked = code_row_verdict(view.text_of(x))
            if marked is not None:
                return found(marked, [x], "The code row states this position itself.")
        lead = _lead_in(view, rows)
        if lead is not None:  # "The following codes are not covered when the procedure is performed for cosmetic purposes:"
            return found(lead.verdict, [lead], "The policy states this for the codes listed under it.")
        if not view.statements:
            return found(None, [], "The policy has no coverage statement I can read.")
        u = self._understanding(code, view, rows)
        finding = coverage_refined(self.engine.index, view, u)
        carrier = next((x for x, role, _ in finding.cites if role == "verdict"), None)
        stated = {s.unit.verdict for s in view.statements} | {i.verdict for s in view.statements for i in s.items if i.verdict}
        named = bool(u.indication) and carrier is not None and max(
            match(list(u.indication), x, view) for x in (carrier, finding.matched_item) if x is not None) >= CODE_MIN_MATCH
        verdict = finding.verdict
        # the engine's own gates: the quoted sentence states the verdict, and a "covered" passes the safety checks
        if (verdict is not None and verdict != "no_statement" and carrier is not None and (len(stated) == 1 or named)
                and polarity_agrees(verdict, view.text_of(carrier))
                and (verdict not in POSITIVE or positive_is_safe(finding, u))):
            quotes = [carrier] + ([finding.matched_item] if finding.matched_item not in (None, carrier) else [])
            note = "The policy states one position for every use." if len(stated) == 1 else None
            return found(verdict, quotes, note)
        positions = tuple(s.unit for s in view.statements[:6] if s.unit.verdict)
        return found(None, [], "The policy states more than one position and none names what this code bills closely "
                               "enough to pick one; each is quoted in `positions`.", positions)

    # ------------------------------------------------------------------ prior approval
    def prior_approval(self, code: str, doc_key: str) -> PriorApprovalInPolicy:
        view = self.engine.views[doc_key]
        record = view.record
        rows = self.rows(code, doc_key)
        quoted_rows = tuple(cite(record, x, "answer", 1.0) for x in rows)
        u = self._understanding(code, view, rows)
        finding = prior_approval_finder(self.engine.index, view, u)
        if finding.note == SILENT:
            return PriorApprovalInPolicy(code, summary(record), "says_nothing", (), quoted_rows,
                                         "The policy says nothing about prior approval.")
        cited = [(x, score) for x, role, score in finding.cites if role == "answer"]
        said = [prior_approval_of(view.text_of(x)) for x, _ in cited]
        disposition: PriorApproval | None = said[0] if said else None
        note = None
        if disposition == "depends":
            # a paragraph that requires it for some services and not for others: the one sentence of it that names
            # what this code bills decides, quoted first, with the paragraph after it
            sentence = _naming_sentence(view, cited[0][0], list(u.indication))
            if sentence is not None and prior_approval_of(view.text_of(sentence)) in {"required", "not_required"}:
                disposition = prior_approval_of(view.text_of(sentence))
                cited = [(sentence, cited[0][1]), *cited]
        elif disposition is None:
            # the best sentence for this code does not say either way: the others decide when they agree
            others = {s for s in said[1:] if s is not None}
            disposition = others.pop() if len(others) == 1 else "unclear"
        if disposition == "depends":
            note = "The policy requires prior approval for some services and not for others; read the quote."
        elif disposition == "unclear":
            note = "The policy mentions prior approval, but not in words read with confidence; read the quotes."
        quotes = tuple(cite(record, x, "answer", score) for x, score in cited)
        return PriorApprovalInPolicy(code, summary(record), disposition, quotes, quoted_rows, note)


def _naming_sentence(view: PolicyView, passage: Unit, indication: list[str]) -> Unit | None:
    """The sentence of a passage that names what was asked more than any other sentence of it does, if one does."""
    sentences = [x for x in view.units_by_section_kind.get(passage.section_kind, [])
                 if x.kind in {"sentence", "lead_in", "list_item"} and passage.start <= x.start and x.end <= passage.end]
    if not indication or len(sentences) < 2:
        return None
    scored = sorted(((match(indication, x, view), x) for x in sentences), key=lambda t: -t[0])
    if scored[0][0] >= PA_SENTENCE_MIN_MATCH and scored[0][0] > scored[1][0]:
        return scored[0][1]
    return None


def _line(view: PolicyView, unit: Unit, start: int, end: int) -> Unit:
    """The line of a unit that holds a code (an ICD-10 list inside one sentence), trimmed: still text[start:end]."""
    text = view.record.text
    lo = max(text.rfind("\n", unit.start, start) + 1, unit.start)
    hi = text.find("\n", end, unit.end)
    hi = unit.end if hi == -1 else hi
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return replace(unit, kind="line", start=lo, end=hi, verdict=None, catch_all=False, parent=None)


def _lead_in(view: PolicyView, rows: list[Unit]) -> Unit | None:
    """A sentence of the code section that introduces the list with a negative position of its own."""
    if not rows or rows[0].section_kind != "codes":
        return None
    before = [x for x in view.units_by_section_kind.get("codes", [])
              if x.end <= rows[0].start and x.kind in {"sentence", "lead_in"} and x.verdict]
    if not before:
        return None
    lead = before[-1]
    if (lead.verdict in POSITIVE or lead.verdict == "no_statement" or not view.text_of(lead).rstrip().endswith(":")
            or not polarity_agrees(lead.verdict, view.text_of(lead))):
        return None
    return lead
