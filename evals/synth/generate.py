"""Generating the corpus: the seed's (payer, service) order, each policy's content, and its questions."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from .catalogue import (
    AUTHORS,
    CATEGORY_NUMBER,
    DEFINITIONS,
    DISCLAIMERS,
    HEADER_LABELS,
    JOURNALS,
    LINES_OF_BUSINESS,
    MONTHS,
    PAYERS,
    SERVICES,
    Payer,
    Service,
    payers,
)
from .document import Codes, Items, Para, Policy, Question, Section
from .render import render, resolve_quote, visible_text

DEFAULT_SEED = 7


def _format_date(year: int, month: int, day: int, fmt: str) -> str:
    if fmt == "numeric":
        return f"{month:02d}/{day:02d}/{year}"
    if fmt == "long":
        return f"{MONTHS[month - 1]} {day}, {year}"
    return f"{MONTHS[month - 1]} {year}"


def _policy_id(payer: Payer, service_index: int, service: Service) -> str:
    number = 100 + service_index * 7 + payer.index % 5
    if payer.id_format == "dash":
        return f"{payer.code}-{service.category}-{number:04d}"
    if payer.id_format == "dotted":
        return f"{payer.code}-{CATEGORY_NUMBER[service.category]}.{service_index // 10 + 1:02d}.{service_index:02d}"
    return f"{payer.code}.{service.category}.{number:03d}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def pairs(seed: int) -> list[tuple[int, int]]:
    """Every (payer, service) pair in the seed's order: a payer has at most one policy per service."""
    combos = [(p, s) for p in range(len(PAYERS)) for s in range(len(SERVICES))]
    random.Random(f"pairs:{seed}").shuffle(combos)
    return combos


def max_policies() -> int:
    return len(PAYERS) * len(SERVICES)


def build_policy(index: int, seed: int, pair: tuple[int, int]) -> Policy:
    rng = random.Random(f"policy:{seed}:{index}")
    payer = payers()[pair[0]]
    service_index = pair[1]
    service = SERVICES[service_index]
    kind = rng.choice(service.kinds)
    fmt = rng.choices(("txt", "md", "html"), weights=(80, 10, 10))[0]
    style = payer.style if fmt == "txt" else "web"
    wrapped = fmt == "txt" and style in {"colon", "titlecase", "caps"} and rng.random() < 0.22
    prior = rng.choices(("required", "not_required", "absent"), weights=(55, 30, 15))[0]
    if kind in {"not_covered"} and prior == "required":
        prior = "not_required"
    reviewed_year = rng.choice((2023, 2024, 2025))
    reviewed = (reviewed_year, rng.randint(1, 12), rng.randint(1, 28))
    original = (rng.randint(2004, 2019), rng.randint(1, 12), rng.randint(1, 28))
    revised_year = reviewed_year - rng.choice((0, 1, 2))
    revised = (revised_year, rng.randint(1, reviewed[1] if revised_year == reviewed_year else 12), rng.randint(1, 28))
    if revised > reviewed:
        revised = reviewed
    effective = (reviewed[0] + (reviewed[1] >= 10), (reviewed[1] + 2) % 12 + 1, 1)
    dates = {name: _format_date(*value, payer.date_format)
             for name, value in (("reviewed", reviewed), ("original", original), ("revised", revised),
                                 ("effective", effective))}
    policy = Policy(index, payer, service, _policy_id(payer, service_index, service), kind, prior, fmt, style, wrapped,
                    rng.choice(LINES_OF_BUSINESS), dates)
    _compose(policy, rng)
    policy.text = render(policy)
    slug = _slug(f"{payer.name.split()[0]}-{policy.policy_id}-{service.title}")
    policy.filename = f"{slug}.{fmt}"
    return policy


# ---------------------------------------------------------------------------------------------------- content


def _compose(policy: Policy, rng: random.Random) -> None:
    p, s = policy, policy.service
    labels = HEADER_LABELS[p.style]
    header = [(labels[0], p.policy_id), (labels[1], s.title)]
    if labels[3]:
        header.append((labels[3], p.dates["effective"]))
    header.append((labels[2], p.dates["original"]))
    header.append((labels[4], p.dates["reviewed"]))
    if labels[5]:
        header.append((labels[5], p.dates["revised"]))
    if labels[6] and rng.random() < 0.7:
        header.append((labels[6], p.line_of_business))
    p.header = header

    subject = s.subject
    lower = subject[0].lower() + subject[1:] if not subject[:2].isupper() else subject
    sections = [Section("disclaimer", [Para(rng.choice(DISCLAIMERS).format(payer=p.payer.name))])]
    sections.append(Section("description", [Para(" ".join(s.description))]))
    if rng.random() < 0.3:
        sections.append(Section("definitions", [Para(d) for d in rng.sample(DEFINITIONS, 2)]))
    statements, questions = _statements(p, rng, lower)
    sections.append(Section("policy", statements))
    pa_blocks, pa_quote = _prior_approval(p, rng, lower)
    if pa_blocks:
        sections.append(Section("prior_approval", pa_blocks))
    if p.prior_approval == "required" and rng.random() < 0.5:
        sections.append(Section("documentation", [Items(
            "The request should include:",
            ["Office notes from the last 12 months that describe the condition and prior treatment",
             "Results of any imaging or testing named in the criteria", "The planned procedure and its codes"],
            False)]))
    codes = list(s.codes)
    sections.append(Section("codes", [Codes(codes)]))
    sections.append(Section("rationale", [Para(s.evidence + " " + rng.choice((
        "This policy will be reassessed at its next annual review.",
        "The position in this policy reflects the evidence available at the last review.",
        "New evidence is reviewed at least once a year.")))]))
    refs = []
    for n in range(3):
        author = AUTHORS[(p.index + n * 5) % len(AUTHORS)]
        refs.append(f"{author}, et al. {s.title}: a review of outcomes. {rng.choice(JOURNALS)}. "
                    f"{rng.randint(2012, 2024)}.")
    sections.append(Section("references", [Items(None, refs, False)]))
    history = [f"{p.dates['reviewed']}  Annual review; policy statement unchanged",
               f"{p.dates['revised']}  Revised; coding updated",
               f"{p.dates['original']}  New policy"]
    sections.append(Section("history", [Items(None, history, False)]))
    p.sections = sections

    questions += _common_questions(p, rng, lower, pa_quote)
    p.questions = questions


def _statements(p: Policy, rng: random.Random, lower: str) -> tuple[list[Any], list[Question]]:
    """The coverage statements for the policy's position, and the coverage and criteria questions they answer."""
    s, who, kind = p.service, p.payer.name, p.kind
    subject = s.subject
    blocks: list[Any] = []
    qs: list[Question] = []
    inv = list(s.investigational)
    rng.shuffle(inv)
    listed, unlisted = inv[: min(len(inv) - 2, 5)], inv[min(len(inv) - 2, 5):]
    if kind == "covered":
        statement = rng.choice((f"{subject} is covered.", f"{subject} is considered medically necessary."))
        blocks.append(Para(statement + (" Coverage is not limited to particular diagnoses." if rng.random() < 0.5 else "")))
        for use in (s.covered[:2] or s.investigational[:1]):
            qs.append(_coverage_question(p, rng, lower, use, "covered", statement))
    elif kind in {"criteria", "mixed"}:
        use = rng.choice(s.covered) if s.covered else None
        lead = (f"{subject} may be considered medically necessary for {use} when ALL of the following criteria are "
                f"met:" if use else f"{subject} may be considered medically necessary when ALL of the following "
                f"criteria are met:")
        criteria = [c.template.replace("{n}", rng.choice(c.choices)) for c in s.criteria]
        blocks.append(Items(lead, [c + (";" if i < len(criteria) - 1 else ".") for i, c in enumerate(criteria)], True))
        if use:
            qs.append(_coverage_question(p, rng, lower, use, "covered_with_criteria", lead))
        for criterion, text in list(zip(s.criteria, criteria, strict=True))[:2]:
            if criterion.topic in {"age", "bmi"}:
                continue  # the engine reads ages and BMIs as numbers in the question, not as topics
            question = rng.choice((
                f"What does {who} require on {criterion.topic} before covering {lower}?",
                f"What are the {criterion.topic} requirements in the {who} {s.title.lower()} policy?",
            ))
            qs.append(Question("criteria", question, "rep", "covered_with_criteria", text))
        if kind == "mixed" and listed:
            inv_lead = (f"The following are considered investigational for {s.title.lower()}:" if s.variants else
                        f"{subject} is considered investigational for the following indications:")
            blocks.append(Items(inv_lead, [_sentence(x) for x in listed[:4]], False))
            qs.append(_coverage_question(p, rng, lower, listed[0], "investigational", inv_lead, variants=s.variants))
        elif use and len(s.covered) > 1 and not s.variants:
            blocks.append(Para(f"{subject} is considered not medically necessary when the criteria above are not met."))
    elif kind == "investigational":
        lead = rng.choice((
            f"{subject} is considered investigational for all indications, including but not limited to the following:",
            f"{subject} is considered experimental/investigational for all applications, including but not limited to:",
        ))
        blocks.append(Items(lead, [_sentence(x) for x in listed], False))
        qs.append(_coverage_question(p, rng, lower, listed[0], "investigational", lead, variants=s.variants))
        if unlisted:
            qs.append(_coverage_question(p, rng, lower, unlisted[0], "investigational", lead, variants=s.variants))
    elif kind == "not_medically_necessary":
        statement = f"{subject} is considered not medically necessary for all indications."
        blocks.append(Para(statement))
        qs.append(_coverage_question(p, rng, lower, rng.choice(s.investigational), "not_medically_necessary",
                                     statement, variants=s.variants))
    elif kind == "not_covered":
        statement = f"{subject} is not covered."
        reason = rng.choice(("It is a contract exclusion under the member's benefit plan.",
                             "The service is excluded from coverage under the member's benefit plan.",
                             "Services to change appearance, comfort or convenience are excluded from coverage."))
        blocks.append(Para(f"{statement} {reason}"))
        qs.append(Question("coverage", rng.choice((f"Does {who} cover {lower}?", f"Is {lower} covered by {who}?")),
                           "rep", "not_covered", statement))
        use = (s.covered or s.investigational)[0]
        qs.append(_coverage_question(p, rng, lower, use, "not_covered", statement, variants=s.variants))
    return blocks, qs


def _coverage_question(p: Policy, rng: random.Random, lower: str, use: str, verdict: str, quote: str, *,
                       variants: bool = False) -> Question:
    who, pid = p.payer.name, p.policy_id
    if variants:
        forms = (f"Does {who} cover {use} under its {p.service.title.lower()} policy?",
                 f"Is {use} covered under the {who} {p.service.title.lower()} policy?")
        return Question("coverage", rng.choice(forms), "rep", verdict, quote)
    forms = (
        (f"Does {who} cover {lower} for {use}?", "rep"),
        (f"Is {lower} for {use} covered by {who}?", "rep"),
        (f"What is {who}'s coverage position on {lower} for {use}?", "rep"),
        (f"Is {lower} covered for {use} under policy {pid}?", "rep"),
        (f"Will {who} pay for {lower} for my {use}?", "member"),
    )
    question, audience = rng.choice(forms)
    return Question("coverage", question, audience, verdict, quote)


def _prior_approval(p: Policy, rng: random.Random, lower: str) -> tuple[list[Any], str | None]:
    if p.prior_approval == "absent":
        return [], None
    if p.prior_approval == "required":
        sentence = rng.choice((
            f"Prior authorization is required for {lower}.",
            f"Prior approval is required before {lower} is provided.",
            f"{p.service.subject} requires prior authorization.",
        ))
        extra = rng.choice(("Requests are reviewed within 14 days of receipt.",
                            "The request must include the records listed under documentation.",
                            "Urgent requests are reviewed within 72 hours."))
        return [Para(f"{sentence} {extra}")], sentence
    sentence = rng.choice((
        "Not required.", "Not applicable.", f"Prior authorization is not required for {lower}.",
        f"Prior approval is not required for {lower}.",
    ))
    extra = rng.choice(("Claims are reviewed against this policy after the service is billed.",
                        "Claims may be reviewed for medical necessity after the service.",
                        ""))
    return [Para(f"{sentence} {extra}".strip())], sentence


def _common_questions(p: Policy, rng: random.Random, lower: str, pa_quote: str | None) -> list[Question]:
    who, s = p.payer.name, p.service
    qs = []
    code, code_set, desc = rng.choice(s.codes)
    qs.append(Question("codes", rng.choice((
        f"What does {code_set} code {code} describe in the {who} {s.title.lower()} policy?",
        f"Is {code} one of the codes listed in {who}'s {s.title.lower()} policy?",
        f"Which service does code {code} bill under {who}'s {s.title.lower()} policy?",
    )), "rep", None, f"{code}\u0000{code_set}\u0000{desc}"))
    pa_question = rng.choice((
        (f"Does {who} require prior authorization for {lower}?", "rep"),
        (f"Is prior approval needed for {lower} with {who}?", "rep"),
        (f"Do I need pre-approval for {lower} from {who}?", "member"),
    ))
    if pa_quote is None:
        qs.append(Question("prior_approval", pa_question[0], pa_question[1], None, None, "silent on prior approval"))
    else:
        qs.append(Question("prior_approval", pa_question[0], pa_question[1], None, pa_quote))
    labels = HEADER_LABELS[p.style]
    qs.append(Question("dates", f"When was the {who} {s.title.lower()} policy last reviewed?", "rep", None,
                       f"{labels[4]}: {p.dates['reviewed']}"))
    return qs


# ---------------------------------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    seed: int
    policies: list[Policy]
    questions: list[dict[str, Any]]


def generate(n: int, seed: int = DEFAULT_SEED) -> Corpus:
    """The first n policies of the seed's corpus, and their questions (gold.jsonl schema, with `expect`)."""
    if n < 1:
        raise ValueError(f"--policies must be at least 1, got {n}")
    if n > max_policies():
        raise ValueError(f"--policies {n} is more than the {max_policies()} distinct (payer, service) pairs "
                         f"({len(PAYERS)} payers x {len(SERVICES)} services)")
    order = pairs(seed)
    policies = [build_policy(i, seed, order[i]) for i in range(n)]
    questions: list[dict[str, Any]] = []
    prefixes = {"coverage": "cov", "criteria": "crit", "codes": "code", "prior_approval": "pa", "dates": "date"}
    for policy in policies:
        text = visible_text(policy)
        for k, q in enumerate(policy.questions, 1):
            quote = resolve_quote(text, q.quote) if q.quote else None
            if q.quote and quote is None:
                raise AssertionError(f"{policy.filename}: quote not found in the rendered text: {q.quote!r}")
            item: dict[str, Any] = {
                "id": f"{prefixes[q.category]}-{policy.index + 1:04d}-{k}", "category": q.category,
                "question": q.question, "history": [], "audience": q.audience,
                "expect": {"route": None, "verdict": q.verdict, "policy_id": policy.policy_id, "policy_ids": None,
                           "quote": quote},
                "source": policy.filename,
            }
            if q.note:
                item["note"] = q.note
            questions.append(item)
    return Corpus(seed, policies, questions)
