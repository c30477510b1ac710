"""Tests for retrieval.structure: sections and quotable units on the seed and on each heading style payers use."""

from __future__ import annotations

import pytest
from conftest import BLUESTEM_CGM, SEED, STRUCTURE_FIXTURES, make_document, with_text

from retrieval.chunking import chunk_document
from retrieval.models import SECTION_KINDS, HeaderField, Section
from retrieval.structure import parse, section_kind, split_sentences


def _units(text: str) -> list:
    _sections, chunks = chunk_document(make_document(text))
    return with_text(text, [u for c in chunks for u in c.units])


def _outline(text: str) -> list[tuple[str, str, str]]:
    """(kind, section, text) of every unit: the whole structure of a small text, in one comparable value."""
    return [(u.kind, u.section, u.text) for u in _units(text)]


def _sections(text: str) -> list[tuple[str, str, bool]]:
    sections, _chunks = chunk_document(make_document(text))
    return [(s.name, s.kind, s.inferred) for s in sections]


# ---------------------------------------------------------------- the seed policy


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_sections(seed_text: str) -> tuple[Section, ...]:
    sections, _chunks = chunk_document(make_document(seed_text, "corpus/" + SEED.name))
    return sections


@pytest.fixture(scope="module")
def seed_units(seed_text: str) -> list:
    _sections, chunks = chunk_document(make_document(seed_text, "corpus/" + SEED.name))
    return with_text(seed_text, [u for c in chunks for u in c.units])


def test_seed_sections_in_order(seed_sections: tuple[Section, ...]) -> None:
    assert [(s.name, s.kind, s.inferred) for s in seed_sections] == [
        ("Header", "header", False),
        ("Disclaimer", "disclaimer", True),
        ("Benefit Application", "benefit", False),
        ("Description", "description", True),
        ("Practice Guidelines and Position Statements", "guidelines", False),
        ("Regulatory Status", "regulatory", False),
        ("Prior Approval", "prior_approval", False),
        ("Policy", "policy", True),
        ("Rationale", "rationale", True),
        ("Procedure Codes and Billing Guidelines", "codes", False),
        ("Selected References", "references", False),
        ("Policy History", "history", False),
    ]


def test_seed_sections_tile_the_text(seed_text: str, seed_sections: tuple[Section, ...]) -> None:
    assert seed_sections[0].start == 0
    assert [s.end for s in seed_sections[:-1]] == [s.start for s in seed_sections[1:]]
    assert seed_sections[-1].end == len(seed_text)


def test_seed_coverage_statement_is_an_investigational_catch_all_lead_in(seed_units: list) -> None:
    lead_ins = [u for u in seed_units if u.text.startswith("Prolotherapy is considered investigational for all")]
    assert len(lead_ins) == 1
    lead_in = lead_ins[0]
    assert (lead_in.kind, lead_in.section, lead_in.section_kind, lead_in.verdict, lead_in.catch_all, lead_in.text) == (
        "lead_in", "Policy", "policy", "investigational", True,
        "Prolotherapy is considered investigational for all applications, including but not limited to:",
    )


def test_seed_policy_section_is_inferred_because_its_heading_was_lost(
    seed_text: str, seed_sections: tuple[Section, ...]
) -> None:
    policy = next(s for s in seed_sections if s.name == "Policy")
    assert policy.inferred is True
    # The section starts at the coverage statement itself: the extracted text has no "Policy" heading line.
    assert seed_text[policy.start:].startswith("Prolotherapy is considered investigational for all applications")


def test_seed_prior_approval_body_is_not_applicable(seed_units: list) -> None:
    prior = [(u.kind, u.text) for u in seed_units if u.section == "Prior Approval"]
    assert prior == [("heading", "Prior Approval:"), ("sentence", "Not applicable")]


def test_seed_header_fields(seed_text: str) -> None:
    structure = parse(seed_text)
    fields = [(seed_text[u.start:u.end], u.kind) for u in structure.units if structure.sections[u.section_index].kind == "header"]
    assert fields == [
        ("Medical Policy: 02.01.18", "field"),
        ("Original Effective Date: November 1996", "field"),
        ("Reviewed: October 2020", "field"),
        ("Revised: October 2019", "field"),
    ]


def test_seed_header_fields_from_the_loaded_document() -> None:
    from retrieval.corpus import discover, load_document

    (file,) = discover([SEED.parent])
    doc = load_document(file)
    assert doc.header == (
        HeaderField("policy_id", "Medical Policy", "02.01.18", 0, 24),
        HeaderField("effective", "Original Effective Date", "November 1996", 27, 65),
        HeaderField("reviewed", "Reviewed", "October 2020", 68, 90),
        HeaderField("revised", "Revised", "October 2019", 93, 114),
    )
    for field in doc.header:
        assert doc.text[field.start:field.end].rstrip("\u00a0 ") == f"{field.label}: {field.value}"


def test_seed_codes_section_holds_m0076(seed_text: str, seed_sections: tuple[Section, ...], seed_units: list) -> None:
    codes = next(s for s in seed_sections if s.kind == "codes")
    assert codes.name == "Procedure Codes and Billing Guidelines"
    assert "M0076 Prolotherapy" in seed_text[codes.start:codes.end]
    assert [u.text for u in seed_units if u.section == codes.name and "M0076" in u.text] == ["M0076 Prolotherapy"]


# ---------------------------------------------------------------- heading styles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Prior Approval:\n\nNot applicable\n",
            [("heading", "Prior Approval", "Prior Approval:"), ("sentence", "Prior Approval", "Not applicable")],
            id="colon-line",
        ),
        pytest.param(
            "Prior Approval:\nNot applicable\n",
            [("heading", "Prior Approval", "Prior Approval:"), ("sentence", "Prior Approval", "Not applicable")],
            id="colon-line-no-blank",
        ),
        pytest.param(
            "POLICY STATEMENT\n\nAcupuncture is considered investigational.\n",
            [("heading", "POLICY STATEMENT", "POLICY STATEMENT"),
             ("sentence", "POLICY STATEMENT", "Acupuncture is considered investigational.")],
            id="all-caps",
        ),
        pytest.param(
            "POLICY STATEMENT\nAcupuncture is considered investigational.\n",
            [("heading", "POLICY STATEMENT", "POLICY STATEMENT"),
             ("sentence", "POLICY STATEMENT", "Acupuncture is considered investigational.")],
            id="all-caps-no-blank",
        ),
        pytest.param(
            "2. Coverage Criteria\n\nAcupuncture is covered.\n",
            [("heading", "Coverage Criteria", "2. Coverage Criteria"), ("sentence", "Coverage Criteria", "Acupuncture is covered.")],
            id="numbered",
        ),
        pytest.param(
            "## Policy\n\nAcupuncture is considered investigational.\n",
            [("heading", "Policy", "## Policy"), ("sentence", "Policy", "Acupuncture is considered investigational.")],
            id="markdown",
        ),
        pytest.param(
            "Clinical Background\n\nAcupuncture is an old practice.\n",
            [("heading", "Clinical Background", "Clinical Background"),
             ("sentence", "Clinical Background", "Acupuncture is an old practice.")],
            id="title-case",
        ),
        pytest.param(
            # Hard-wrapped PDF text: the body starts on the line right under the heading.
            "Clinical Background\nAcupuncture is an old practice.\n",
            [("heading", "Clinical Background", "Clinical Background"),
             ("sentence", "Clinical Background", "Acupuncture is an old practice.")],
            id="title-case-no-blank",
        ),
        pytest.param(
            "Policy\nThe device is covered.\n",
            [("heading", "Policy", "Policy"), ("sentence", "Policy", "The device is covered.")],
            id="title-case-single-word-no-blank",
        ),
    ],
)
def test_heading_styles(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _outline(text) == expected


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("Prior Approval:\n\nNot applicable\n", "Prior Approval", "prior_approval"),
        ("POLICY STATEMENT\n\nIt is covered.\n", "POLICY STATEMENT", "policy"),
        ("2. Coverage Criteria\n\nIt is covered.\n", "Coverage Criteria", "criteria"),
        ("## Policy\n\nIt is covered.\n", "Policy", "policy"),
        ("Clinical Background\n\nIt is a pump.\n", "Clinical Background", "description"),
        ("Procedure Codes and Billing Guidelines:\n\nUse M0076.\n", "Procedure Codes and Billing Guidelines", "codes"),
        ("Policy History:\n\nReviewed in 2020.\n", "Policy History", "history"),
        ("Selected References:\n\nSmith 2001.\n", "Selected References", "references"),
    ],
)
def test_heading_opens_a_section_with_its_kind(text: str, name: str, kind: str) -> None:
    assert _sections(text) == [(name, kind, False)]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Prior Approval", "prior_approval"),
        ("Prior Authorization Requirements", "prior_approval"),
        ("POLICY STATEMENT", "policy"),
        ("Policy", "policy"),
        ("Coverage Position", "policy"),
        ("Coverage Criteria", "criteria"),  # "criteria" outranks "coverage"
        ("Indications", "criteria"),
        ("Procedure Codes and Billing Guidelines", "codes"),
        ("HCPCS Codes", "codes"),
        ("Policy History", "history"),  # "history" outranks "policy"
        ("Revision History", "history"),
        ("Selected References", "references"),
        ("Benefit Application", "benefit"),
        ("Regulatory Status", "regulatory"),
        ("Practice Guidelines and Position Statements", "guidelines"),
        ("Evidence Review", "rationale"),
        ("Exclusions", "exclusions"),
        ("Documentation Requirements", "documentation"),
        ("Definitions", "definitions"),
        ("Background", "description"),
        ("Disclaimer", "disclaimer"),
        ("American Pain Society", "other"),
    ],
)
def test_section_kind_mapping(name: str, kind: str) -> None:
    assert section_kind(name) == kind
    assert kind in SECTION_KINDS


def test_a_short_colon_line_before_a_list_is_a_lead_in_not_a_heading() -> None:
    text = "Policy\n\nIndications include:\n\n- Pain\n- Nausea\n"
    assert _outline(text) == [
        ("heading", "Policy", "Policy"),
        ("lead_in", "Policy", "Indications include:"),
        ("list_item", "Policy", "Pain"),
        ("list_item", "Policy", "Nausea"),
    ]
    assert _sections(text) == [("Policy", "policy", False)]


def test_a_colon_lead_in_with_a_section_word_directly_above_its_list_is_a_lead_in() -> None:
    text = "Policy\n\nCoverage depends on these findings:\n- Pain\n- Nausea\n"
    assert _outline(text) == [
        ("heading", "Policy", "Policy"),
        ("lead_in", "Policy", "Coverage depends on these findings:"),
        ("list_item", "Policy", "Pain"),
        ("list_item", "Policy", "Nausea"),
    ]


def test_a_plain_colon_lead_in_directly_above_its_list() -> None:
    units = _units("Policy\n\nThe drug is used for:\n- Pain\n- Nausea\n")
    assert [(u.kind, u.text) for u in units] == [
        ("heading", "Policy"), ("lead_in", "The drug is used for:"), ("list_item", "Pain"), ("list_item", "Nausea"),
    ]
    assert [u.parent for u in units] == [None, None, units[1].unit_id, units[1].unit_id]


def test_a_section_heading_above_a_list_stays_a_heading() -> None:
    # The counterpart of the lead-in rule: "Selected References:" names a section even though a list follows.
    text = "Selected References:\n\n- Smith J. Prolotherapy. 2001.\n- Jones K. Injections. 2004.\n"
    assert _sections(text) == [("Selected References", "references", False)]
    assert [u.kind for u in _units(text)] == ["heading", "list_item", "list_item"]


def test_numbered_headings_do_not_turn_the_sentence_above_into_a_lead_in() -> None:
    text = (
        "1. Description\nThe device is a pump.\n\n"
        "2. Coverage Criteria\nThe device is covered when:\n  a) the member is ill; and\n  b) the member is old.\n"
    )
    units = _units(text)
    assert [(u.kind, u.section, u.text) for u in units] == [
        ("heading", "Description", "1. Description"),
        ("sentence", "Description", "The device is a pump."),
        ("heading", "Coverage Criteria", "2. Coverage Criteria"),
        ("lead_in", "Coverage Criteria", "The device is covered when:"),
        ("list_item", "Coverage Criteria", "the member is ill; and"),
        ("list_item", "Coverage Criteria", "the member is old."),
    ]
    assert units[4].parent == units[3].unit_id and units[5].parent == units[3].unit_id


def test_a_numbered_criterion_naming_a_section_word_is_a_list_item_not_a_heading() -> None:
    text = (
        "Policy\n\nBariatric surgery is covered when ALL of the following criteria are met:\n\n"
        "1. Documentation of BMI over 40\n2. Failed supervised diet program\n"
    )
    units = _units(text)
    assert [(u.kind, u.section, u.text) for u in units] == [
        ("heading", "Policy", "Policy"),
        ("lead_in", "Policy", "Bariatric surgery is covered when ALL of the following criteria are met:"),
        ("list_item", "Policy", "Documentation of BMI over 40"),
        ("list_item", "Policy", "Failed supervised diet program"),
    ]
    assert [u.parent for u in units[2:]] == [units[1].unit_id] * 2


def test_header_labels_below_the_body_do_not_turn_the_body_into_header_lines() -> None:
    # A short policy with its review date at the bottom: the statement above it is still a policy sentence.
    text = "Policy\n\nAcupuncture is considered investigational.\n\nLast Review Date: 05/2024\n"
    units = _units(text)
    statement = next(u for u in units if u.text == "Acupuncture is considered investigational.")
    assert (statement.kind, statement.section, statement.verdict) == ("sentence", "Policy", "investigational")
    assert [s[0] for s in _sections(text)][0] == "Policy"


# ---------------------------------------------------------------- hard-wrapped text


def test_a_sentence_wrapped_over_three_lines_is_one_unit() -> None:
    text = "Policy\n\nThe pump is considered\nmedically necessary for\nmembers with diabetes.\n"
    units = _units(text)
    assert [(u.kind, u.text, u.verdict) for u in units] == [
        ("heading", "Policy", None),
        ("sentence", "The pump is considered\nmedically necessary for\nmembers with diabetes.", "covered"),
    ]
    assert (units[1].start, units[1].end) == (8, 77)


def test_a_wrapped_bullet_item_is_one_list_item_spanning_both_lines() -> None:
    text = "Indications:\n\n- Knee pain that has lasted for more\n  than six months\n- Back pain\n"
    items = [u for u in _units(text) if u.kind == "list_item"]
    assert [(u.text, u.start, u.end) for u in items] == [
        ("Knee pain that has lasted for more\n  than six months", 16, 68),
        ("Back pain", 71, 80),
    ]
    assert text.index("Knee") == 16 and text.index("months") + len("months") == 68


def test_a_page_footer_on_its_own_is_not_a_unit() -> None:
    text = "Policy\n\nThe device is covered.\n\nPage 2 of 4\n\nMore text about it.\n"
    assert [u.text for u in _units(text)] == ["Policy", "The device is covered.", "More text about it."]


def test_a_page_footer_between_sentences_of_one_block_is_not_part_of_a_unit() -> None:
    text = "Some text here.\nPage 2 of 4\nMore text here.\n"
    assert [u.text for u in _units(text)] == ["Some text here.", "More text here."]


def test_pdf_like_fixture_policy() -> None:
    text = (STRUCTURE_FIXTURES / "pdf_like_policy.txt").read_text(encoding="utf-8")
    sections, chunks = chunk_document(make_document(text))
    units = with_text(text, [u for c in chunks for u in c.units])
    assert [(s.name, s.kind) for s in sections] == [
        ("Header", "header"),
        ("DESCRIPTION", "description"),
        ("POLICY", "policy"),
        ("PRIOR APPROVAL", "prior_approval"),
    ]
    assert not [u.text for u in units if "Page " in u.text]
    lead_in = next(u for u in units if u.kind == "lead_in")
    assert lead_in.text == (
        "Spinal cord stimulation may be considered medically necessary for\n"
        "chronic neuropathic pain when ALL of the following criteria are met:"
    )
    assert lead_in.verdict == "covered_with_criteria"
    items = [u for u in units if u.kind == "list_item"]
    assert [u.text for u in items] == [
        "The pain has lasted at least six months despite conservative\n     therapy; and",
        "A psychological evaluation found no untreated condition that\n     would interfere with the trial; and",
        "A trial with a temporary stimulator reduced pain by at least\n     50 percent.",
    ]
    assert {u.parent for u in items} == {lead_in.unit_id}
    assert len({u.chunk_id for u in [lead_in, *items]}) == 1


def test_bluestem_page_footers_with_a_running_title_open_no_section() -> None:
    text = BLUESTEM_CGM.read_text(encoding="utf-8")
    sections, chunks = chunk_document(make_document(text, "evals/corpus/" + BLUESTEM_CGM.name))
    assert [s.name for s in sections if "Page" in s.name] == []
    assert [u.text for c in chunks for u in with_text(text, c.units) if "Page 1 of 3" in u.text] == []


def test_bluestem_headings_directly_above_their_body_open_sections() -> None:
    text = BLUESTEM_CGM.read_text(encoding="utf-8")
    sections, _chunks = chunk_document(make_document(text, "evals/corpus/" + BLUESTEM_CGM.name))
    names = [s.name for s in sections]
    for heading in ("Background", "Coverage Position", "Prior Approval Requirements", "Codes", "Evidence Review",
                    "References", "Revision History"):
        assert heading in names


# ---------------------------------------------------------------- sentence splitting


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One thing. Two things.", ["One thing.", "Two things."]),
        ("Agents, e.g. dextrose, are used. They hurt.", ["Agents, e.g. dextrose, are used.", "They hurt."]),
        ("Approved by the U.S. Food and Drug Administration. Not for this.",
         ["Approved by the U.S. Food and Drug Administration.", "Not for this."]),
        ("Chou et al. Low back pain. 2009.", ["Chou et al. Low back pain.", "2009."]),
        ("Wrapped over\ntwo lines. Next.", ["Wrapped over\ntwo lines.", "Next."]),
        ("  padded  ", ["padded"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == sentences


def _units_with_text(text: str):
    structure = parse(text)
    return [(u, text[u.start:u.end]) for u in structure.units]


def test_a_nested_criteria_list_belongs_to_the_item_that_leads_into_it():
    text = ("POLICY STATEMENT:\n"
            "I. Chiropractic care is medically appropriate when ALL of the following criteria are met:\n"
            "A. the member has a neuromusculoskeletal condition; and\n"
            "B. there is a written treatment plan.\n"
            "II. Maintenance chiropractic care is considered not medically necessary.\n"
            "V. Routine x-rays of the spine are considered not medically necessary.\n")
    units = _units_with_text(text)
    index = {t.split(" ")[0]: n for n, (_, t) in enumerate(units)}
    items = [(u, t) for u, t in units if u.kind == "list_item"]
    by_text = {t[:12]: u for u, t in items}
    first = next(n for n, (u, t) in enumerate(units) if t.startswith("Chiropractic care is"))
    assert by_text["the member h"].parent_index == first and by_text["there is a w"].parent_index == first
    assert by_text["Maintenance "].parent_index is None and by_text["Routine x-ra"].parent_index is None  # "V." is five
    assert units[first][0].verdict == "covered_with_criteria" and index


def test_a_list_set_in_under_an_item_with_the_same_bullet_sign_belongs_to_that_item():
    # an HTML page's nested <ol> inside an <li> comes out as bullets of one sign told apart by their indent only
    text = ("POLICY:\n"
            "  \u2022 G. Not medically necessary. The following are not medically necessary:\n"
            "    \u2022 1. A second (backup or spare) external speech processor;\n"
            "    \u2022 2. Routine replacement of headpieces on a fixed schedule.\n"
            "  \u2022 H. Not covered. Comfort accessories are not covered benefits.\n"
            "  \u2022 I. Investigational. The plan considers the following investigational:\n"
            "    \u2022 1. Cochlear implantation for tinnitus in the absence of hearing loss;\n")
    units = _units_with_text(text)
    at = {t[:14]: n for n, (_, t) in enumerate(units)}
    parent = {t[:14]: u.parent_index for u, t in units}
    assert parent["1. A second (b"] == at["G. Not medical"] and parent["2. Routine rep"] == at["G. Not medical"]
    assert parent["H. Not covered"] is None and parent["I. Investigati"] is None
    assert parent["1. Cochlear im"] == at["I. Investigati"]


def test_a_decimal_numbered_line_in_sentence_case_after_a_finished_item_heads_a_part():
    text = ("3. WHEN THE SERVICE IS COVERED\n"
            "3.1 General criteria\n"
            "The plan covers CMA when ALL of the following are met:\n"
            "a. The test is ordered by a medical geneticist; AND\n"
            "b. The test is performed by a laboratory certified under\n"
            "the Clinical Laboratory Improvement Amendments\n"
            "(CLIA).\n"
            "3.2 Postnatal evaluation\n"
            "CMA is considered medically necessary for the genetic\n"
            "evaluation of a child or adult with any of the following:\n"
            "a. Autism spectrum disorder;\n")
    units = _units_with_text(text)
    item = next(t for u, t in units if t.startswith("The test is performed"))
    assert item.endswith("(CLIA).")  # the heading and the next lead-in are no part of the item
    lead = next(n for n, (u, t) in enumerate(units) if t.startswith("CMA is considered"))
    assert units[lead][0].kind == "lead_in"
    assert next(u for u, t in units if t.startswith("Autism")).parent_index == lead


def test_a_lead_in_after_a_finished_item_is_no_wrapped_line_of_it():
    text = ("POLICY\n"
            "The plan considers the following not medically necessary:\n"
            "\u2022 Emergency or stand-by oxygen for a member who does not use oxygen regularly (\"just in case\" oxygen).\n"
            "The plan considers the following experimental, investigational or unproven:\n"
            "\u2022 Home oxygen for the treatment of migraine headache;\n")
    units = _units_with_text(text)
    lead = next(n for n, (u, t) in enumerate(units) if t.startswith("The plan considers the following experimental"))
    assert units[lead][0].kind == "lead_in" and units[lead][0].verdict == "investigational"
    assert next(u for u, t in units if t.startswith("Home oxygen")).parent_index == lead


def test_a_numbered_heading_right_under_a_running_header_follows_the_last_page_s_text():
    header = "Acme Health | Medicare Advantage Coverage Guideline AH-014 | Home Oxygen Therapy\n"
    footer = "Acme Health - Proprietary.\nPage {} of 3\n"
    filler = "Background sentence about the service that fills the page so pages are far apart.\n" * 8
    text = (header + "POLICY\n" + filler + "Oxygen for migraine is addressed in Section 4.\n" + footer.format(1) + "\n"
            + header + "4. Not Covered and Not Medically Necessary\n"
            + "The plan considers home oxygen for angina without hypoxemia not medically necessary.\n" + filler
            + footer.format(2) + "\n" + header + filler + footer.format(3))
    units = _units_with_text(text)
    assert any(u.kind == "heading" and t == "4. Not Covered and Not Medically Necessary" for u, t in units)


def test_a_known_section_named_in_sentence_case_on_its_own_line_heads_it():
    # PDF text with no blank lines, a payer whose headings are in sentence case
    text = ("Description\n"
            "Acupuncture is the insertion of thin needles into points on the skin. A typical session lasts 30 minutes.\n"
            "Coverage position\n"
            "1. Covered indications\n"
            "The plan covers acupuncture as medically necessary for one or more of the following conditions:\n"
            "a. Nausea and vomiting related to pregnancy, chemotherapy or surgery;\n"
            "b. Insomnia;\n")
    assert ("Coverage position", "policy", False) in _sections(text)
    covers = next(u for u in _units(text) if u.text.startswith("The plan covers"))
    assert covers.section_kind in {"policy", "criteria"}


def test_a_list_item_cut_by_a_page_break_resumes_after_the_running_header():
    header = "Acme Health Plan  |  Medical Policy  |  Policy #: 117\n"
    footer = "© 2025 Acme Health Plan, Inc., an Independent Licensee. This document is public information.\nPage {} of 3\n"
    filler = "Background sentence about the service that fills the page so pages are far apart.\n" * 8
    text = (header + filler + "POLICY\n- Spinal cord stimulation is considered investigational for all other indications, including\n"
            + footer.format(1) + "\n" + header + "angina pectoris and cancer pain.\n- Another item here.\n\n" + filler
            + footer.format(2) + "\n" + header + filler + footer.format(3))
    units = _units_with_text(text)
    item = next(t for u, t in units if u.kind == "list_item" and t.startswith("Spinal"))
    # one span of the text (a quote is always text[start:end]), so the furniture it crosses stays inside it
    assert item.endswith("angina pectoris and cancer pain.")
    assert not any(t.startswith("©") for _, t in units)  # the long copyright line is page furniture, never a unit


def test_a_new_numbering_after_a_notes_list_is_a_list_of_its_own():
    text = ("MEDICAL POLICY CRITERIA\nNotes:\n• This policy does not address sacroiliac joint denervation.\n"
            "• Diagnostic blocks are addressed in a separate policy.\n"
            "I. Radiofrequency denervation may be considered medically necessary when all of the following are met:\n"
            "A. Axial pain; and\nB. Two diagnostic blocks.\n"
            "II. The following methods are considered investigational for all indications:\n"
            "A. Pulsed radiofrequency denervation\nB. Laser denervation\n")
    units = _units_with_text(text)
    position = {t: n for n, (_, t) in enumerate(units)}
    parent = {t: u.parent_index for u, t in units}
    first = position["Radiofrequency denervation may be considered medically necessary when all of the following are met:"]
    second = position["The following methods are considered investigational for all indications:"]
    assert parent[units[first][1]] is None and parent[units[second][1]] is None  # not items of "Notes:"
    assert parent["Axial pain; and"] == first
    assert parent["Pulsed radiofrequency denervation"] == second


def test_a_footer_repeated_on_every_page_is_furniture_even_when_the_last_page_is_short():
    footer = "© 2025 Acme Health. Proprietary information; for use by Acme members and providers."
    filler = "A sentence of the body that fills most of a printed page of this policy document here.\n" * 8
    text = (filler + footer + "\n\n" + filler + footer + "\n\n" + filler + footer + "\n\n" + filler + footer + "\n\n"
            + "Short last page.\n" + footer + "\n")
    units = _units_with_text(text)
    assert not any(t.startswith("©") for _, t in units)


def test_a_section_number_alone_on_its_line_and_a_section_name_after_a_list_item_head_sections():
    text = ("6)\nDefinitions\nPAP intolerance means the member could not use PAP.\n"
            "7)\nClinical Indications\nOscar considers the following experimental or investigational:\n"
            "• Tongue-retaining devices used as the sole treatment of OSA\nPrior Authorization\n"
            "Custom-fabricated oral appliances require prior authorization.\n")
    structure = parse(text)
    names = [s.name for s in structure.sections]
    assert "Clinical Indications" in names and "Prior Authorization" in names
    item = next(text[u.start:u.end] for u in structure.units if u.kind == "list_item")
    assert item == "Tongue-retaining devices used as the sole treatment of OSA"


def test_a_lead_in_before_a_page_break_leads_in_the_list_on_the_next_page():
    header = "Acme Health Plan  |  Medical Necessity Guidelines  |  MNG-0348\n"
    filler = "Background sentence about the service that fills the page so pages are far apart.\n" * 8
    text = (header + filler + "Limitations\nThe Plan considers a cranial remolding orthosis not medically necessary for ANY of the following:\n"
            + "Page 1 of 3\n\n" + header + "1. Mild deformity that does not meet the measurement thresholds.\n"
            + "2. An initial orthosis for an infant older than 12 months of age.\n\n" + filler + "Page 2 of 3\n\n"
            + header + filler + "Page 3 of 3\n")
    units = _units_with_text(text)
    position = {t: n for n, (_, t) in enumerate(units)}
    parent = {t: u.parent_index for u, t in units}
    lead = position["The Plan considers a cranial remolding orthosis not medically necessary for ANY of the following:"]
    assert units[lead][0].kind == "lead_in"
    assert parent["An initial orthosis for an infant older than 12 months of age."] == lead


def test_initials_do_not_end_a_sentence() -> None:
    from retrieval.structure import split_sentences

    text = "L.A. Care considers the following not medically necessary: the rest. A new sentence."
    assert [text[a:b] for a, b in split_sentences(text, 0, len(text))] == [
        "L.A. Care considers the following not medically necessary: the rest.", "A new sentence."]


def test_a_numbered_heading_between_rule_lines_opens_its_section() -> None:
    text = ("TABLE OF CONTENTS\n  I.    Policy\n  II.   Definitions\n  III.  Approvals and Policy History\n\n"
            "==========\nI. POLICY\n==========\n\nAcme considers acupuncture medically necessary for chronic low back pain.\n")
    structure = parse(text)
    policy = [s for s in structure.sections if s.name == "POLICY"]
    assert policy and policy[0].kind == "policy"
    statement = next(u for u in structure.units if "Acme considers" in text[u.start:u.end])
    assert text[statement.start:statement.end].startswith("Acme considers")  # the rule line is no part of it


def _parsed(text: str) -> list[tuple[str, str, bool, str | None]]:
    """(kind, text, catch_all, parent's text) of every unit parse() reads."""
    units = parse(text).units
    return [(u.kind, text[u.start:u.end], u.catch_all,
             text[units[u.parent_index].start:units[u.parent_index].end] if u.parent_index is not None else None)
            for u in units]


# A Centene-template PDF (Superior HealthPlan, Meridian, Buckeye): numbered parts with no blank line around them
CENTENE_PARTS = (
    "Policy/Criteria\n"
    "I. It is the policy of Acme Health that treatment of hyperhidrosis is medically necessary only when all of the\n"
    "following are met:\n"
    "A. Diagnosis of primary focal hyperhidrosis;\n"
    "B. Inadequate response to at least 4 weeks of topical therapy.\n"
    "II. Iontophoresis\n"
    "A. Tap water iontophoresis is medically necessary for palmar hyperhidrosis when criteria I.A and I.B are met.\n"
    "B. Iontophoresis with an anticholinergic drug added to the solution is investigational.\n"
    "III. Surgical Excision of Axillary Sweat Glands\n"
    "Excision of axillary sweat gland-bearing tissue is medically necessary when all of the following are met:\n"
    "A. Criteria I.A and I.B are met;\n"
    "B. Member is 16 years of age or older.\n"
    "V. Investigational Treatments\n"
    "It is the policy of Acme Health that the following treatments for hyperhidrosis are investigational:\n"
    "A. Microwave thermolysis of axillary sweat glands (e.g., miraDry);\n"
    "B. Sympathetic chain clipping performed with the intent of later reversal of the clipping procedure.\n"
    "All other treatments for hyperhidrosis not addressed in sections II through IV are considered investigational.\n"
)


def test_a_numbered_part_after_a_finished_item_heads_its_part_not_the_item() -> None:
    units = _parsed(CENTENE_PARTS)
    headings = [t for kind, t, _, _ in units if kind == "heading"]
    assert headings == ["Policy/Criteria", "II. Iontophoresis", "III. Surgical Excision of Axillary Sweat Glands",
                        "V. Investigational Treatments"]
    parent = {t: p for _, t, _, p in units}
    assert parent["Microwave thermolysis of axillary sweat glands (e.g., miraDry);"] == (
        "It is the policy of Acme Health that the following treatments for hyperhidrosis are investigational:")
    assert parent["Member is 16 years of age or older."].startswith("Excision of axillary")


def test_a_catch_all_after_the_last_item_is_its_own_sentence() -> None:
    units = _parsed(CENTENE_PARTS)
    last = next(u for u in units if u[1].startswith("Sympathetic chain clipping"))
    assert last[1].endswith("of the clipping procedure.")  # the item ends where its sentence does
    catch_all = next(u for u in units if u[1].startswith("All other treatments"))
    assert catch_all[0] == "sentence" and catch_all[2]


def test_short_title_case_items_of_one_list_stay_items() -> None:
    text = ("Policy\nAcme considers acupuncture investigational for the following conditions:\n"
            "1. Chronic Fatigue Syndrome;\n2. Fibromyalgia Syndrome\n3. Smoking Cessation\n")
    kinds = {t: kind for kind, t, _, _ in _parsed(text)}
    assert kinds["Fibromyalgia Syndrome"] == "list_item" and kinds["Smoking Cessation"] == "list_item"


def test_a_lettered_title_alone_between_paragraphs_heads_its_part() -> None:
    # L.A. Care's "A. Orthognathic Surgery ..." and "B. Maxillomandibular Advancement ..." parts
    text = ("IV. POLICY\n\nA. Orthognathic Surgery for Skeletal Jaw Deformity\n\n"
            "Acme considers orthognathic surgery medically necessary when ALL of the following criteria are met:\n\n"
            "1. Skeletal maturity has been reached.\n\n2. A licensed orthodontist has documented the impairment.\n\n"
            "These requests are reviewed by a Medical Director.\n\n"
            "B. Maxillomandibular Advancement for Obstructive Sleep Apnea\n\n"
            "Acme considers maxillomandibular advancement medically necessary for adults with OSA.\n")
    kinds = {t: kind for kind, t, _, _ in _parsed(text)}
    assert kinds["A. Orthognathic Surgery for Skeletal Jaw Deformity"] == "heading"
    assert kinds["B. Maxillomandibular Advancement for Obstructive Sleep Apnea"] == "heading"
    # a list whose items stand apart keeps its last item, however it is written
    listed = ("Policy\n\nAcme considers the following investigational:\n\nA. Fibromyalgia\n\nB. Chronic Fatigue Syndrome\n\n"
              "All other uses are investigational.\n")
    kinds = {t: kind for kind, t, _, _ in _parsed(listed)}
    assert kinds["Chronic Fatigue Syndrome"] == "list_item"


def test_a_line_at_the_margin_after_an_indented_item_starts_a_paragraph() -> None:
    text = ("Policy\nBone density testing may be considered medically necessary for children with ANY of the following:\n"
            "  1. Anorexia nervosa or cystic fibrosis;\n  2. Hypogonadism, including Turner syndrome and Klinefelter\n"
            "     syndrome;\nRepeat DXA in children may be considered medically necessary no more often than once every\n"
            "12 months while the condition persists.\n")
    units = _parsed(text)
    texts = [t for _, t, _, _ in units]
    assert "Hypogonadism, including Turner syndrome and Klinefelter\n     syndrome;" in texts
    assert any(t.startswith("Repeat DXA") and kind != "list_item" for kind, t, _, _ in units)


def test_each_row_of_a_coverage_table_states_its_own_position() -> None:
    html_rows = ("Coverage table\n\nIndication  Criteria  Coverage status\n"
                 "Ocular tumors  Uveal melanoma with no distant metastasis, when plaque brachytherapy cannot be used.  "
                 "Medically necessary\nProstate cancer  Localized prostate cancer.  Not medically necessary\n"
                 "All other indications  Any indication not listed above.  Investigational\n")
    pdf_rows = ("I. Summary of Coverage Positions\nThe table below summarizes the positions.\nUse Coverage status\n"
                "Tube feeding meeting Section II.B.1 Medically Necessary with criteria\n"
                "Homemade blenderized food for tube feeding Not covered\n"
                "Ketogenic formula for any other indication Investigational\n")
    for text, expected in [(html_rows, [("covered_with_criteria", False), ("not_medically_necessary", False),
                                        ("investigational", True)]),
                           (pdf_rows, [("covered_with_criteria", False), ("not_covered", False), ("investigational", True)])]:
        rows = [(u.verdict, u.catch_all) for u in parse(text).units if u.verdict]
        assert rows == expected
    # a sentence that wraps after a capitalised term is no table row
    prose = ("Policy\nCalOptima Health considers tube feeding Medically Necessary\nwhen all of the following criteria "
             "are met:\n1. The Member cannot swallow safely.\n")
    assert [text for kind, text, _, _ in _parsed(prose) if kind == "lead_in"] == [
        "CalOptima Health considers tube feeding Medically Necessary\nwhen all of the following criteria are met:"]


def test_a_code_rows_wrapped_description_belongs_to_the_row() -> None:
    text = ("Coding\n\nCPT Codes\n"
            "  90867   Therapeutic repetitive transcranial magnetic stimulation (TMS)\n"
            "          treatment; initial, including cortical mapping, motor threshold\n"
            "          determination, delivery and management\n"
            "  90868   Therapeutic repetitive transcranial magnetic stimulation (TMS)\n"
            "          treatment; subsequent delivery and management, per session\n"
            "\nReferences\n1. A study.\n")
    rows = [text[u.start:u.end] for u in parse(text).units if u.kind == "code_row"]
    assert len(rows) == 2
    assert rows[1].startswith("90868") and rows[1].endswith("per session")
    assert "initial" in rows[0] and "subsequent" not in rows[0]


def test_a_list_that_blank_lines_interrupt_keeps_its_levels() -> None:
    # items set apart by blank lines, a paragraph between two items of one list, and a second lettered part whose own
    # list follows after a blank line: each item belongs to its own part, not to the paragraph before the next block
    text = ("POLICY\n\n"
            "A. Stellate ganglion block may be considered medically necessary for the following conditions when the\n"
            "   criteria listed for the condition are met:\n\n"
            "   1. Complex regional pain syndrome of the upper limb when ALL of the following are documented:\n"
            "      a. Pain for at least 3 months; AND\n"
            "      b. Failure of physical therapy.\n\n"
            "      Repeat blocks: a repeat block may be considered medically necessary only when the first one\n"
            "      gave at least 50 percent relief.\n\n"
            "   2. Phantom limb pain.\n\n"
            "   3. Refractory angina.\n\n"
            "B. Stellate ganglion block is considered investigational for the following conditions:\n\n"
            "   - post-traumatic stress disorder\n"
            "   - hot flashes\n\n"
            "C. Stellate ganglion block for cosmetic purposes is not covered.\n")
    structure = parse(text)
    units = structure.units

    def find(start: str) -> int:
        return next(i for i, u in enumerate(units) if text[u.start:u.end].startswith(start))

    a, b = find("Stellate ganglion block may"), find("Stellate ganglion block is considered investigational")
    assert units[find("Phantom limb pain")].parent_index == a
    assert units[find("Refractory angina")].parent_index == a
    assert units[find("Complex regional")].parent_index == a
    assert units[find("post-traumatic")].parent_index == b
    assert units[find("hot flashes")].parent_index == b
    assert units[b].parent_index is None
    repeat = units[find("Repeat blocks")]
    assert repeat.kind == "sentence" and repeat.verdict == "covered_with_criteria"
    # a list after a paragraph that leads in nothing and restarts its numbering is no continuation
    fresh = ("Policy\n\nCovered when:\n\n1. One.\n\n2. Two.\n\nThe following are considered investigational\n\n"
             "1. Three.\n")
    units = parse(fresh).units
    three = next(u for u in units if fresh[u.start:u.end] == "Three.")
    lead = next(i for i, u in enumerate(units) if fresh[u.start:u.end].startswith("The following are"))
    assert three.parent_index == lead


def test_a_paragraph_under_an_item_leads_in_none_of_the_items_after_it() -> None:
    text = ("Policy\n"
            "HBOT is medically necessary for the following chronic conditions when the\n"
            "listed criteria are met:\n"
            "  1. Diabetic wounds of the lower extremity when ALL of the following are met:\n"
            "       a. the member has type 1 or type 2 diabetes; and\n"
            "       b. the wound is Wagner grade 3 or higher.\n"
            "     Wagner grade 1 and grade 2 diabetic foot wounds do not meet criteria and\n"
            "     HBOT for them is not medically necessary.\n"
            "  2. Chronic refractory osteomyelitis.\n"
            "  3. Delayed radiation injury, including radiation cystitis.\n")
    st = parse(text)
    by_text = {text[u.start:u.end].split("\n")[0]: u for u in st.units}
    lead = next(i for i, u in enumerate(st.units) if text[u.start:u.end].startswith("HBOT is medically necessary"))
    wagner = by_text["Wagner grade 1 and grade 2 diabetic foot wounds do not meet criteria and"]
    assert wagner.kind == "sentence"
    assert by_text["Delayed radiation injury, including radiation cystitis."].parent_index == lead


def test_a_lettered_part_title_in_pdf_text_heads_its_part() -> None:
    text = ("Policy\n"
            "The waveform does not change the criteria above.\n"
            "C. Dorsal Root Ganglion (DRG) Stimulation\n"
            "AultCare considers dorsal root ganglion stimulation medically necessary for CRPS of the lower\n"
            "extremities when all criteria are met. DRG stimulation is considered\n"
            "experimental/investigational for all other indications.\n"
            "D. Revision, Replacement and Removal\n"
            "1. Replacement of a pulse generator is medically necessary when the battery is depleted.\n")
    st = parse(text)
    kinds = [(u.kind, text[u.start:u.end].split("\n")[0]) for u in st.units]
    assert ("heading", "C. Dorsal Root Ganglion (DRG) Stimulation") in kinds
    assert ("heading", "D. Revision, Replacement and Removal") in kinds
    covered = next(u for u in st.units if text[u.start:u.end].startswith("AultCare considers"))
    assert covered.kind == "sentence" and covered.verdict == "covered_with_criteria"


def test_a_lettered_part_title_right_under_the_section_heading_heads_its_part() -> None:
    # Health Plan of San Joaquin's PDF: "IV. POLICY" ends on no full stop, yet the part's title below it is no list item
    text = ("IV. POLICY\n"
            "A. Truncal (saphenous) vein treatment\n"
            "HPSJ considers treatment of an incompetent great saphenous vein by endovenous radiofrequency ablation\n"
            "medically necessary when ALL of the following criteria are met:\n"
            "1. The member has symptomatic varicose veins of CEAP clinical class C2 or higher;\n"
            "2. A duplex ultrasound shows reflux of 500 milliseconds or longer.\n")
    st = parse(text)
    kinds = [(u.kind, text[u.start:u.end].split("\n")[0]) for u in st.units]
    assert ("heading", "A. Truncal (saphenous) vein treatment") in kinds
    lead = next(u for u in st.units if text[u.start:u.end].startswith("HPSJ considers"))
    assert lead.verdict == "covered_with_criteria"


def test_a_long_part_title_that_mentions_history_does_not_open_a_history_section() -> None:
    text = ("Policy\n"
            "Genetic testing is covered for the individuals below.\n"
            "I. Individuals With a Personal History of Cancer\n"
            "Genetic testing may be considered medically necessary for an individual who meets ANY of the following:\n"
            "A. Breast cancer diagnosed at age 50 or younger;\n")
    st = parse(text)
    assert {st.sections[u.section_index].kind for u in st.units if u.kind == "list_item"} == {"policy"}
