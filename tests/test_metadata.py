"""Tests for retrieval.metadata: header fields, the `.meta.json` sidecar on top, and the payer / title fallbacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EVAL_CORPUS, SEED, SEED_SIDECAR

from retrieval.corpus import discover, load_document
from retrieval.errors import DocumentError
from retrieval.metadata import HEADER_SCAN_CHARS, dated_fields, header_fields, read_meta, sidecar_path
from retrieval.models import HeaderField, PolicyMeta

SEED_META = PolicyMeta(
    policy_id="02.01.18",
    title="Prolotherapy",
    payer="Wellmark",
    effective="November 1996",
    reviewed="October 2020",
    revised="October 2019",
    aliases=("regenerative injection therapy", "joint sclerotherapy", "proliferation therapy", "prolozone"),
)


def _policy(tmp_path: Path, text: str, name: str = "acme-mp-7-acupuncture.txt", sidecar: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if sidecar is not None:
        sidecar_path(path).write_text(sidecar, encoding="utf-8")
    return path


def test_seed_header_and_sidecar() -> None:
    meta, fields = read_meta(SEED.read_text(encoding="utf-8"), SEED)
    assert meta == SEED_META
    assert [(f.name, f.value) for f in fields] == [
        ("policy_id", "02.01.18"), ("effective", "November 1996"), ("reviewed", "October 2020"), ("revised", "October 2019"),
    ]


def test_seed_without_its_sidecar_still_reads_wellmark_from_the_file_name(tmp_path: Path) -> None:
    copy = tmp_path / SEED.name
    shutil.copy(SEED, copy)
    meta, _fields = read_meta(copy.read_text(encoding="utf-8"), copy)
    assert (meta.policy_id, meta.payer, meta.reviewed) == ("02.01.18", "Wellmark", "October 2020")


def test_sidecar_values_override_the_header(tmp_path: Path) -> None:
    path = _policy(
        tmp_path, "Policy Number: 7\nTitle: Needles\n\nBody.\n",
        sidecar=json.dumps({"title": "Acupuncture", "payer": "Acme Health", "aliases": ["dry needling"], "revised": None}),
    )
    meta, _fields = read_meta(path.read_text(encoding="utf-8"), path)
    assert meta == PolicyMeta(policy_id="7", title="Acupuncture", payer="Acme Health", aliases=("dry needling",))


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        pytest.param('{"payer": "Wellmark",', "metadata sidecar is not valid JSON", id="invalid-json"),
        pytest.param('{"payer": "Wellmark", "owner": "me"}', "unknown metadata keys ['owner']", id="unknown-key"),
        pytest.param('["Wellmark"]', "metadata sidecar must be a JSON object", id="not-an-object"),
    ],
)
def test_bad_sidecar_raises_document_error_naming_the_sidecar(tmp_path: Path, sidecar: str, reason: str) -> None:
    path = _policy(tmp_path, "Policy Number: 7\n\nBody.\n", sidecar=sidecar)
    with pytest.raises(DocumentError) as caught:
        read_meta(path.read_text(encoding="utf-8"), path)
    assert caught.value.source == str(sidecar_path(path))
    assert caught.value.reason.startswith(reason)
    assert str(caught.value).startswith(f"{tmp_path / 'acme-mp-7-acupuncture.txt.meta.json'}: {reason}")


def test_bad_sidecar_through_the_loader_is_a_document_error(tmp_path: Path) -> None:
    path = _policy(tmp_path, "Policy Number: 7\n\nBody.\n", sidecar="{not json")
    (file,) = discover([tmp_path])
    with pytest.raises(DocumentError) as caught:
        load_document(file)
    assert caught.value.source == str(sidecar_path(path))


@pytest.mark.parametrize(
    "header",
    [
        "Effective Date: 01/01/2025\nOriginal Effective Date: 03/2016\n",
        "Original Effective Date: 03/2016\nEffective Date: 01/01/2025\n",
        "Effective Date: 01/01/2025\nOrigination Date: 03/2016\n",
        "Original Policy Date: 03/2016\nEffective: 01/01/2025\n",
    ],
)
def test_original_effective_date_wins_regardless_of_order(header: str) -> None:
    (field,) = [f for f in header_fields(header) if f.name == "effective"]
    assert field.value == "03/2016"
    assert header[field.start:field.end].endswith("03/2016")


def test_header_fields_whole_values() -> None:
    text = "Prairie Health Plan\nMedical Policy: PHP-MED-0142\nTitle: Bariatric Surgery\nReviewed: June 2024\n\nBody.\n"
    assert header_fields(text) == (
        HeaderField("policy_id", "Medical Policy", "PHP-MED-0142", 20, 48),
        HeaderField("title", "Title", "Bariatric Surgery", 49, 73),
        HeaderField("reviewed", "Reviewed", "June 2024", 74, 93),
    )


def test_payer_from_a_first_line(tmp_path: Path) -> None:
    text = "Prairie Health Plan\nMedical Policy: PHP-MED-0142\nTitle: Bariatric Surgery\n\nBody.\n"
    path = _policy(tmp_path, text, name="zzz-0142.txt")  # the file name must not be where the payer comes from
    meta, _fields = read_meta(text, path)
    assert meta == PolicyMeta(policy_id="PHP-MED-0142", title="Bariatric Surgery", payer="Prairie Health Plan")


def test_a_policy_line_without_a_number_is_not_the_policy_id() -> None:
    fields = header_fields("Policy: Prolotherapy\nPolicy Number: 7\n")
    assert [(f.name, f.label, f.value) for f in fields] == [("policy_id", "Policy Number", "7")]


def test_labels_below_the_header_are_not_metadata() -> None:
    text = "Medical Policy: 1.2.3\n" + "Body text of the policy.\n" * (HEADER_SCAN_CHARS // 20) + "Reviewed: 1999\n"
    assert [(f.name, f.value) for f in header_fields(text)] == [("policy_id", "1.2.3")]


def test_title_falls_back_to_markdown_heading_then_file_name(tmp_path: Path) -> None:
    md = _policy(tmp_path, "# Acupuncture Therapy\n\nPolicy Number: 7\n", name="acme-7-x.md")
    assert read_meta(md.read_text(encoding="utf-8"), md)[0].title == "Acupuncture Therapy"
    plain = _policy(tmp_path, "Body only.\n", name="acme-mp-7-acupuncture-therapy.txt")
    meta, fields = read_meta(plain.read_text(encoding="utf-8"), plain)
    assert fields == ()
    assert (meta.policy_id, meta.title, meta.payer) == ("acme-mp-7-acupuncture-therapy", "Acme mp acupuncture therapy", "Acme")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bluestem-bh-dme-027-continuous-glucose-monitoring.txt",
         PolicyMeta("BH-DME-027", "Continuous Glucose Monitoring", "Bluestem Health", effective="03/2016", reviewed="11/12/2024",
                    aliases=("CGM",))),  # the abbreviation the policy defines for its service
        ("cascade-cha-mp-0318-tmj-disorders.md",
         PolicyMeta("CHA-MP-0318", "Temporomandibular Joint (TMJ) Disorder Treatment", "Cascade Health Alliance",
                    effective="January 2010", reviewed="May 2024")),
        ("northwind-nwm-2.01.05-prolotherapy.txt",
         PolicyMeta("NWM-2.01.05", "Prolotherapy (Sclerosant Injections of Ligaments and Tendons)", "Northwind Mutual",
                    effective="06/2008", reviewed="08/22/2023")),
        ("prairie-php-med-0142-bariatric-surgery.txt",
         PolicyMeta("PHP-MED-0142", "Bariatric Surgery", "Prairie Health Plan", effective="March 2012",
                    reviewed="June 2024", revised="January 2024")),
        ("wellmark-medical-policy-02.01.18-prolotherapy.txt", SEED_META),
    ],
)
def test_fixture_corpus_metadata(name: str, expected: PolicyMeta) -> None:
    path = EVAL_CORPUS / name
    meta, _fields = read_meta(path.read_text(encoding="utf-8"), path)
    assert meta == expected


def test_seed_sidecar_is_the_one_in_the_corpus() -> None:
    assert sidecar_path(SEED) == SEED_SIDECAR
    assert json.loads(SEED_SIDECAR.read_text(encoding="utf-8")) == {"payer": "Wellmark", "title": "Prolotherapy"}


# ---------------------------------------------------------------- payers' own header shapes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # PDF text where fields run together on one line
        ("Policy Number: 2025T0498N Effective Date: July 1, 2025\n", [("policy_id", "2025T0498N"), ("effective", "July 1, 2025")]),
        ("Policy #: 235 Latest Review Date: June 2024\n", [("policy_id", "235"), ("reviewed", "June 2024")]),
        ("MP-739 Latest Review Date: May 2024\n", [("reviewed", "May 2024")]),
        # no colon, dotted leaders, a dash
        ("Policy Number 075\n", [("policy_id", "075")]),
        ("Effective Date ................ 10/15/2024\nCoverage Policy Number .......... 0024\n",
         [("effective", "10/15/2024"), ("policy_id", "0024")]),
        ("MEDICAL POLICY \u2013 2.01.526\n", [("policy_id", "2.01.526")]),
        # another policy's number and the next review date are not this policy's
        ("BCBSA Ref. Policy: 2.01.50\nNext Review Date: 10/15/2025\nLast Review Date: 02/15/2024\n", [("reviewed", "02/15/2024")]),
        # the value on the next line
        ("Name of Policy:\nSpinal Cord Stimulation\n\nPolicy #: 046\n", [("title", "Spinal Cord Stimulation"), ("policy_id", "046")]),
    ],
)
def test_header_fields_in_payers_own_shapes(text: str, expected: list[tuple[str, str]]) -> None:
    fields = header_fields(text)
    assert [(f.name, f.value) for f in fields] == expected
    for field in fields:
        assert field.value in text[field.start:field.end]


@pytest.mark.parametrize(
    ("text", "hint", "name", "expected"),
    [
        ("We use cookies.\n\nProlotherapy\n\nNumber: 0207\n", "Prolotherapy - Medical Clinical Policy Bulletins | Aetna",
         "aetna-0207-prolotherapy.html", ("Aetna", "0207", "Prolotherapy")),
        ("UnitedHealthcare\u00ae Commercial Medical Policy\nPolicy Number: 2025T0522M\n", None,
         "uhc-x.pdf", ("UnitedHealthcare", "2025T0522M", "Uhc x")),
        ("Local Coverage Determination (LCD)\nGlucose Monitors\nL33822\nMedicare Coverage Database\n",
         "LCD - Glucose Monitors (L33822)", "medicare-l33822-glucose-monitors.pdf", ("Medicare", "L33822", "Glucose Monitors")),
        ("MOLINA HEALTHCARE\nMolina Clinical Policy\n\nPlatelet Rich Plasma (PRP) Therapy\nPolicy No: MCP-402\n", None,
         "molina-mcp-402-prp.txt", ("Molina Healthcare", "MCP-402", "Platelet Rich Plasma (PRP) Therapy")),
    ],
)
def test_payer_title_and_number_from_free_text(tmp_path: Path, text: str, hint, name: str, expected) -> None:
    path = _policy(tmp_path, text, name=name)
    meta, _fields = read_meta(text, path, title_hint=hint)
    assert (meta.payer, meta.policy_id, meta.title) == expected


def test_a_payer_named_any_of_its_ways_gets_its_official_name() -> None:
    from retrieval.metadata import canonical_payer, payer_in_text

    assert canonical_payer("UHC") == canonical_payer("united healthcare") == "UnitedHealthcare"
    assert canonical_payer("Prairie Health Plan") is None  # not in the table: kept as the document writes it
    assert payer_in_text("Blue Cross and Blue Shield of Alabama\nMedical Policy\n") == "Blue Cross and Blue Shield of Alabama"


# --- payers read from free text (issue 11, third dev batch) ----------------------------------------------------------
from retrieval.answer.payers import PayerNames  # noqa: E402
from retrieval.metadata import _payer  # noqa: E402


def test_a_program_named_in_a_plans_notice_is_not_its_payer():
    text = ("National Medical Policy\n\nSubject: Bariatric Surgery\nPolicy Number: NMP78\n\n"
            "For Medicaid Plans: Please refer to the appropriate Medicaid Manuals before applying Health Net Medical "
            "Policies.\n")
    assert _payer(text, None) == "Health Net"


def test_a_document_that_names_only_the_program_is_the_programs():
    assert _payer("Local Coverage Determination (LCD)\nGlucose Monitors L33822\nMedicare coverage for ...", None) == "Medicare"


def test_a_payer_the_table_does_not_know_comes_from_the_copyright_line_not_the_code_sets_owner():
    text = ("Medical Policy\nSleep Apnea Appliances\nPolicy # 596\n\nCPT codes, descriptions and other data only are "
            "copyright 2024 American Medical Association. All rights reserved.\n\n© 2025 Zephyr Health Plan. All rights "
            "reserved.\n")
    assert _payer(text, None) == "Zephyr Health Plan"


def test_bluecross_written_as_one_word_is_blue_cross():
    assert _payer("BlueCross BlueShield of Tennessee\nMedical Policy Manual\n", None) == "BlueCross BlueShield of Tennessee"


@pytest.mark.parametrize(("question", "payer"), [
    ("will blue cross michigan pay for my varicose veins", "Blue Cross Blue Shield of Michigan"),
    ("does blue cross of tennessee cover a spinal cord stimulator", "BlueCross BlueShield of Tennessee"),
    ("tennessee blue cross scs", "BlueCross BlueShield of Tennessee"),
    ("does health net cover the sleeve", "Health Net"),
])
def test_a_regional_blue_plan_or_a_brand_is_named_the_way_people_say_it(question, payer):
    names = PayerNames(["Blue Cross Blue Shield of Michigan", "BlueCross BlueShield of Tennessee", "Health Net", "Ambetter"])
    assert names.find(question) == ((payer,), None)


# --- plans, titles and ids the tables do not know (issue 11, fourth dev batch) ----------------------------------------
def test_a_plan_the_table_does_not_know_is_the_name_its_own_body_writes_most():
    text = ("Corporate Medical Policy\n\nSpinal Cord Stimulation\n\nOrigination: 3/1980\n\nDescription\nSCS applies pulses."
            "\n\nPolicy\nSummit Valley Health Plan will provide coverage for spinal cord stimulation when the criteria "
            "are met.\nMembers in a Medicare Advantage plan follow the NCD. Prior review by Summit Valley Health Plan is "
            "required.\n")
    assert _payer(text, None) == "Summit Valley Health Plan"


def test_a_field_of_care_or_an_association_is_no_plan():
    text = ("Medical Policy\n\nAcupuncture\n\nBehavioral Health services are covered. Behavioral Health providers bill "
            "with Durable Medical Equipment codes. The Blue Cross Blue Shield Association and the Blue Cross Blue Shield "
            "Association evidence center. Medicare covers acupuncture for chronic low back pain.\n")
    assert _payer(text, None) == "Medicare"


@pytest.mark.parametrize(
    ("text", "hint", "name", "expected"),
    [
        # "Kind: Title" lines and an address block in the title block
        ("Fernhill Health\n705 Mount Auburn Street\nWatertown, MA 02472\nClinical Policy: Massage Therapy\n"
         "Criteria: CWQI HCS-0253\n", None, "fernhill-cwqi-hcs-0253-massage-therapy.txt",
         ("Fernhill Health", "CWQI HCS-0253", "Massage Therapy")),
        # a manual's locator is no title; its section number keeps the locator
        ("Print | PDF version\n\nChapter 7, Section 18.9\n\nAcupuncture\n\nIssue Date: June 1, 1999\n",
         "TPM Chapter 7 Section 18.9 - Acupuncture | TRICARE Manuals", "tricare-chapter-7-section-18.9-acupuncture.html",
         ("TRICARE", "Chapter 7, Section 18.9", "Acupuncture")),
        # Blue Cross NC names a policy by its file name
        ("Corporate Medical Policy\n\nSacroiliac Joint Fusion\n\nFile Name:\nsacroiliac_joint_fusion_stabilization\n"
         "Origination: 01/2016\n\nBlue Cross NC will provide coverage when ... Blue Cross NC requires prior review.\n",
         None, "bcnc-sacroiliac-joint-fusion.txt",
         ("Blue Cross and Blue Shield of North Carolina", "sacroiliac_joint_fusion_stabilization", "Sacroiliac Joint Fusion")),
    ],
)
def test_titles_and_ids_in_more_payers_shapes(tmp_path: Path, text: str, hint, name: str, expected) -> None:
    path = _policy(tmp_path, text, name=name)
    meta, _fields = read_meta(text, path, title_hint=hint)
    assert (meta.payer, meta.policy_id, meta.title) == expected


def test_a_whole_english_word_is_no_typo_but_a_misspelling_is():
    from retrieval.answer.question import _same_family
    from retrieval.answer.words import common_words

    words = common_words()
    assert "finished" in words and "denial" in words
    assert "covred" not in words and "prolotheraphy" not in words
    assert _same_family("slipped", "slippage") and not _same_family("finished", "furnished")


# --- plans, titles and ids in the fifth dev batch's shapes (issue 11) -------------------------------------------------
@pytest.mark.parametrize(("text", "payer"), [
    # the kind of document after the plan's name is no part of it
    ("Blue Cross Blue Shield of Minnesota Medical Policy\n\nMedical Policy:  III-01-013\nTopic:  Acupuncture\n",
     "Blue Cross Blue Shield of Minnesota"),
    # "BlueCross BlueShield" written as one word each is built of payer words
    ("BlueCross BlueShield of South Carolina\nMedical Policy\n\nEPIDURAL STEROID INJECTIONS - CAM 70158\n",
     "BlueCross BlueShield of South Carolina"),
    # a name in capitals reads as the plan's other documents write it
    ("SUMMIT VALLEY HEALTH PLAN\nMEDICAL POLICY\n\nTitle: Reduction Mammaplasty\n", "Summit Valley Health Plan"),
    # the subject of the document's own positions, when no plan name is written as one
    ("ACME MEDICAL POLICY\n\nTitle: Sleep Testing\nPolicy Number: MP-146\n\nAcme Medicare Advantage members: CMS rules "
     "apply.\n\nPolicy\nAcme considers attended polysomnography medically necessary when ALL of the following are met:\n"
     "1. Symptoms.\nAcme considers home sleep apnea testing medically necessary for adults.\n", "Acme"),
])
def test_a_plan_from_its_own_text_in_more_shapes(text: str, payer: str) -> None:
    assert _payer(text, None) == payer


@pytest.mark.parametrize(("text", "name", "expected"), [
    ("Blue Cross Blue Shield of Minnesota Medical Policy\n\nMedical Policy:       IV-114-006\nTopic:                "
     "Platelet-Rich Plasma\nSection:              Medicine\n\nDESCRIPTION\n\nPRP is a concentrate.\n",
     "bcbsmn-iv-114-006-prp.txt", ("IV-114-006", "Platelet-Rich Plasma")),
    ("SENTARA HEALTH PLANS\nMedical Policy\n\nBone Growth Stimulators, DME 16\n\nEffective Date ........ 07/01/2025\n"
     "Coverage Policy ....... DME 16\nVersion ............... 9\n", "sentara-dme-16-bone.txt", ("DME 16", "Bone Growth Stimulators")),
    ("Skip to main content\n\nSleep Testing: Polysomnography and Home Sleep Apnea Testing\n\nPolicy Number  MP-146\n"
     "Effective Date  April 1, 2025\n", "quartz-mp-146-sleep.html",
     ("MP-146", "Sleep Testing: Polysomnography and Home Sleep Apnea Testing")),
])
def test_an_id_and_title_in_more_shapes(tmp_path: Path, text: str, name: str, expected) -> None:
    meta, _fields = read_meta(text, _policy(tmp_path, text, name=name))
    assert (meta.policy_id, meta.title) == expected


@pytest.mark.parametrize(("question", "payer"), [
    ("blue cross mass cover the knee nerve burning thing", "Blue Cross Blue Shield of Massachusetts"),
    ("does bcbs nc pay for the back stimulator", "Blue Cross and Blue Shield of North Carolina"),
    ("nebraska blue helmet coverage", "Blue Cross and Blue Shield of Nebraska"),
    ("bcbsaz cgm criteria", "Blue Cross Blue Shield of Arizona"),
    ("Does AZ Blue cover TMS for OCD?", "Blue Cross Blue Shield of Arizona"),
    ("blue cross tx gastric sleeve", "Blue Cross and Blue Shield of Texas"),
])
def test_a_regional_blue_plan_by_its_states_short_forms(question: str, payer: str) -> None:
    names = PayerNames(["Blue Cross Blue Shield of Massachusetts", "Blue Cross and Blue Shield of North Carolina",
                        "Blue Cross and Blue Shield of Nebraska", "Blue Cross Blue Shield of Arizona",
                        "Blue Cross and Blue Shield of Texas", "Aetna"])
    assert names.find(question.lower()) == ((payer,), None)
    # "or" is no state: "blue cross or aetna" names both
    assert set(names.find("is it covered by blue cross or aetna")[0]) >= {"Aetna", "Blue Cross Blue Shield of Arizona"}


def test_a_payer_written_with_its_short_form_is_named_by_either() -> None:
    # "BLUE CROSS BLUE SHIELD OF ARIZONA (AZ BLUE)" heads a document; people say the short form
    names = PayerNames(["Summit Health Plan (SHP)", "Aetna"])
    assert names.find("does shp cover tms") == (("Summit Health Plan (SHP)",), None)
    assert names.find("summit health plan acupuncture") == (("Summit Health Plan (SHP)",), None)


def test_a_blue_plan_whose_name_holds_no_state_is_named_by_the_states_in_its_table_aliases() -> None:
    # Wellmark is the Blue plan of Iowa and South Dakota: its table row says so
    names = PayerNames(["Wellmark", "Blue Cross and Blue Shield of Texas"])
    assert names.find("does blue cross of iowa cover prp") == (("Wellmark",), None)
    assert names.find("bcbs iowa prolotherapy") == (("Wellmark",), None)
    assert names.find("bcbs of texas scs") == (("Blue Cross and Blue Shield of Texas",), None)


def test_one_plan_written_two_ways_by_its_documents_is_one_payer() -> None:
    from retrieval.metadata import payer_families

    families = payer_families(["L.A. Care", "L.A. Care Health Plan", "L.A. Care Health Plan", "Johns Hopkins HealthCare",
                               "Johns Hopkins Health Plans", "Blue Cross and Blue Shield of Kansas",
                               "Blue Cross and Blue Shield of Kansas City", "Health Net"])
    assert families["L.A. Care"] == families["L.A. Care Health Plan"] == "L.A. Care Health Plan"
    assert families["Johns Hopkins HealthCare"] == families["Johns Hopkins Health Plans"]
    # a different region is a different plan
    assert families["Blue Cross and Blue Shield of Kansas"] != families["Blue Cross and Blue Shield of Kansas City"]
    assert families["Health Net"] == "Health Net"


def test_a_plan_named_by_its_initials_or_without_its_dots() -> None:
    names = PayerNames(["Presbyterian Health Plan", "Johns Hopkins Health Plans", "L.A. Care Health Plan",
                        "Blue Cross Blue Shield of Michigan", "Blue Cross and Blue Shield of Minnesota"],
                       {"Johns Hopkins Health Plans": {"Johns Hopkins HealthCare"}, "L.A. Care Health Plan": {"L.A. Care"}})
    assert names.find("php - does it cover maintenance tms?")[0] == ("Presbyterian Health Plan",)
    assert names.find("jhhc wearable defibrillator for syncope")[0] == ("Johns Hopkins Health Plans",)
    assert names.find("does la care cover the libre sensor?")[0] == ("L.A. Care Health Plan",)
    assert names.find("does johns hopkins healthcare cover cupping?")[0] == ("Johns Hopkins Health Plans",)
    # initials two loaded plans share name neither; the table's own alias still names its plan
    assert names.find("bcbsm position on clarivein?")[0] == ("Blue Cross Blue Shield of Michigan",)


def test_a_legal_form_that_ends_one_name_does_not_start_the_next() -> None:
    text = ("Presbyterian Health Plan, Inc. and Presbyterian Insurance Company, Inc.\nMedical Policy Manual\n\n"
            "Subject: Transcranial Magnetic Stimulation\nMedical Policy #: MPM 43.0\n\n"
            "Commercial (Presbyterian Health Plan and Presbyterian Insurance Company): prior authorization applies.\n"
            "Presbyterian Health Plan, Inc. and Presbyterian Insurance Company, Inc. 2025\n")
    meta, _ = read_meta(text, Path("presbyterian-mpm-43.txt"))
    assert meta.payer == "Presbyterian Health Plan"


def test_a_plan_manual_in_the_plans_own_shape() -> None:
    text = ("IEHP Medi-Cal Provider Policy and Procedure Manual\n\n12. BEHAVIORAL HEALTH SERVICES\n\n"
            "F. Transcranial Magnetic Stimulation (TMS)\n\nPolicy Number: MC_12F\n\nAPPLIES TO:\n\n"
            "A. This policy applies to all IEHP Medi-Cal Members.\n\nPOLICY:\n\n"
            "A. IEHP covers transcranial magnetic stimulation for eligible Members. Requests go to IEHP Behavioral "
            "Health. Medicare rules apply first for dual members.\n")
    meta, _ = read_meta(text, Path("iehp-mc_12f-tms.txt"))
    assert (meta.payer, meta.title, meta.policy_id) == ("IEHP", "Transcranial Magnetic Stimulation (TMS)", "MC_12F")


def test_a_plan_name_in_camel_case_and_an_association_wrapped_across_lines() -> None:
    text = ("CareOregon Medical Policy Lumbar Spinal Fusion | MED-SURG-044\nLumbar Spinal Fusion\n"
            "Policy Number: MED-SURG-044\n\nThe American Medical\nAssociation owns the CPT codes. The American Medical\n"
            "Association publishes them.\n")
    meta, _ = read_meta(text, Path("careoregon-med-surg-044.pdf"))
    assert meta.payer == "CareOregon"


def test_a_long_plan_name_on_the_first_line_and_its_family_name_wrapped_in_the_body() -> None:
    text = ("Blue Cross and Blue Shield of Kansas\nAn Independent Licensee of the Blue Cross Blue Shield Association\n\n"
            "MEDICAL POLICY\n\nTitle:  Botulinum Toxin\nPolicy Number:  MP-5.01.05\n\n"
            "To verify a member's benefits, contact Blue Cross and\nBlue Shield of Kansas Customer Service. Providers are\n"
            "neither employees nor agents of Blue Cross and\nBlue Shield of Kansas.\n")
    meta, _ = read_meta(text, Path("bcbsks-mp-5.01.05-botulinum-toxin.txt"))
    assert (meta.payer, meta.title, meta.policy_id) == ("Blue Cross and Blue Shield of Kansas", "Botulinum Toxin",
                                                        "MP-5.01.05")


def test_a_reference_number_and_a_side_columns_section_link() -> None:
    text = ("SUPERIOR HEALTHPLAN\nCLINICAL POLICY\n\n"
            "Clinical Policy: Applied Behavior Analysis for Autism Spectrum Disorder\n"
            "Reference Number: TX.CP.BH.502                                    Coding Implications\n"
            "Date of Last Revision: 09/25                                      Revision Log\n\n"
            "Superior HealthPlan applies medical necessity review to ABA. Superior HealthPlan members under 21 ...\n")
    meta, _ = read_meta(text, Path("superior-aba.txt"))
    assert (meta.payer, meta.title, meta.policy_id) == (
        "Superior HealthPlan", "Applied Behavior Analysis for Autism Spectrum Disorder", "TX.CP.BH.502")
    meta, _ = read_meta("ASPIRUS HEALTH PLAN\n\nSeptoplasty and Rhinoplasty\n\nReference #: MC/S017      "
                        "Line of Business: Commercial\n", Path("aspirus-s017.txt"))
    assert meta.policy_id == "MC/S017"


def test_a_plan_named_only_in_the_pages_title() -> None:
    text = ("Knee Arthroscopy\n\nMedical Policy  Blue Cross and Blue Shield of Montana\nNumber:  SUR705.044\n\n"
            "BCBSMT medical policies guide coverage decisions.\n")
    meta, _ = read_meta(text, Path("bcbsmt-sur705.044-knee-arthroscopy.html"),
                        title_hint="SUR705.044 Knee Arthroscopy | Medical Policy | Blue Cross and Blue Shield of Montana")
    assert meta.payer == "Blue Cross and Blue Shield of Montana"


def test_a_plan_whose_first_word_opens_no_plan_and_a_title_below_the_plans_name() -> None:
    text = ("COMMUNITY HEALTH PLAN OF WASHINGTON\nCLINICAL COVERAGE CRITERIA\n\nTitle:  Applied Behavior Analysis (ABA) "
            "Services\nCCC Number:  CCC-BH-007\nLine(s) of Business:  Washington Apple Health (Medicaid)\n\n"
            "Community Health Plan of Washington (CHPW) uses MCG Care Guidelines. Community Health Plan of Washington "
            "follows chapter 182-531A WAC.\n")
    meta, _ = read_meta(text, Path("chpw-ccc-bh-007.txt"))
    assert meta.payer == "Community Health Plan of Washington"
    text = ("MERIDIAN\nMichigan Medicaid | Healthy Michigan Plan | MIChild\n\n"
            "Clinical Policy: Tonsillectomy and Adenotonsillectomy\nReference Number: MI.CP.MP.519\n\n"
            "It is the policy of Meridian Health Plan of Michigan (Meridian) that tonsillectomy is medically necessary "
            "when ... Meridian Health Plan of Michigan reviews requests.\n")
    meta, _ = read_meta(text, Path("meridian-519.txt"))
    assert meta.title == "Tonsillectomy and Adenotonsillectomy"


def test_an_association_line_and_page_furniture_are_no_title() -> None:
    text = ("Blue Cross & Blue Shield of Mississippi\nA Mutual Insurance Company\n"
            "An Independent Licensee of the Blue Cross and Blue Shield Association\n\n"
            "Home > Providers > Medical Policy\n\nPrinter Friendly Version\n\nMEDICAL POLICY\n\n"
            "Surgical Treatment of Obstructive Sleep Apnea and Snoring\n\nPolicy Number:  L.7.01.430\n")
    meta, _ = read_meta(text, Path("bcbsms-l.7.01.430.txt"))
    assert meta.title == "Surgical Treatment of Obstructive Sleep Apnea and Snoring"


def test_the_state_agency_a_medicaid_plan_names_is_not_its_payer() -> None:
    # Healthfirst's page: its own name has no payer word, the state's health department does
    text = ("Proton Beam Radiation Therapy\n\nPolicy Number  HFMP-0141\nLines of Business  Medicaid Managed Care, "
            "Essential Plan\n\nHealthfirst considers proton beam radiation therapy medically necessary when ...\n\n"
            "Healthfirst medical policies are not a guarantee of payment. Coverage for Medicaid members is also subject "
            "to New York State Department of Health requirements. Healthfirst may revise this policy.\n")
    meta, _ = read_meta(text, Path("hf-0141.html"),
                        title_hint="Proton Beam Radiation Therapy (HFMP-0141) | Medical Policies | Healthfirst Providers")
    assert meta.payer == "Healthfirst"  # the site's name in the page title, written again and again in the page
    meta, _ = read_meta(text, Path("hf-0141.html"),
                        title_hint="Proton Beam Radiation Therapy (HFMP-0141) | Glucose Monitors (L33822)")
    assert meta.payer != "Glucose Monitors (L33822)"  # a title part with numbers is no site's name


def test_a_title_field_cut_at_its_cells_line_end_and_a_sites_menu_line() -> None:
    text = ("Partnership HealthPlan of California\n"
            "Policy/Procedure MCUP3162 - Ultraviolet Phototherapy for Psoriasis and Other Skin Conditions\n"
            "Policy/Procedure Number: MCUP3162 Lead Department: Health Services\n"
            "Policy/Procedure Title: Ultraviolet Phototherapy for Psoriasis and Other\n"
            "Skin Conditions [X] External Policy    [ ] Internal Policy\n")
    meta, _ = read_meta(text, Path("phc-mcup3162.pdf"))
    assert meta.title == "Ultraviolet Phototherapy for Psoriasis and Other Skin Conditions"
    text = ("Healthfirst  |  Members  |  Coverage & Benefits  |  Medical Policy FAQs\n"
            "Find a Doctor    Member Log In (MyHFNY)    Call Member Services    Espanol    Chinese\n\n"
            "Home > Members > Coverage & Benefits > Medical Policy FAQs > Hip Arthroscopy\n\n=====\n"
            "Hip Arthroscopy for Femoroacetabular Impingement (FAI): Frequently Asked Questions\n=====\n\n"
            "Based on Healthfirst Medical Policy HFMP-0208.\n")
    meta, _ = read_meta(text, Path("healthfirst-hfmp-0208.txt"))
    assert meta.title == "Hip Arthroscopy for Femoroacetabular Impingement (FAI): Frequently Asked Questions"

    # a title that ends on "for" goes on at the next line, when that line holds no label of its own
    text = ("JEFFERSON HEALTH PLANS\nMedical Policy Bulletin\n\n"
            "Title:                         Intra-articular Hyaluronic Acid (Viscosupplementation) for\n"
            "                               Osteoarthritis of the Knee\n"
            "Policy Bulletin #:             DR.019.C\n")
    meta, _ = read_meta(text, Path("jefferson-dr.019.c.txt"))
    assert meta.title == "Intra-articular Hyaluronic Acid (Viscosupplementation) for Osteoarthritis of the Knee"
    text = "Title: Genetic Testing for\nPolicy Number: GT-12\n"
    meta, _ = read_meta(text, Path("gt-12.txt"))
    assert meta.title == "Genetic Testing for"

def test_a_kind_of_the_service_is_no_alias_of_it() -> None:
    from retrieval.metadata import acronyms

    text = ("The following are investigational: 1. Axial lumbar interbody fusion (AxiaLIF) using a presacral approach. "
            "Lumbar spinal fusion (LSF) is covered when ...")
    assert acronyms(text, "Lumbar Spinal Fusion") == ("LSF",)


def test_every_dated_label_is_kept_by_which_date_it_is() -> None:
    # the metadata keeps one effective date (the original outranks it); a question may ask for any of them
    text = ("Original Effective Date: 04/01/2017\nCurrent Effective Date: 09/01/2025\nLast Review Date: 03/12/2025\n"
            "Date of Last Revision: 05/25\nNext Review Date: 03/11/2026\n\nPolicy\nThe Plan covers X.")
    assert {f.name: f.value for f in header_fields(text) if f.name in {"effective", "reviewed", "revised"}} == {
        "effective": "04/01/2017", "reviewed": "03/12/2025", "revised": "05/25"}
    assert {f.name: (f.label, f.value) for f in dated_fields(text)} == {
        "original": ("Original Effective Date", "04/01/2017"), "effective": ("Current Effective Date", "09/01/2025"),
        "reviewed": ("Last Review Date", "03/12/2025"), "revised": ("Date of Last Revision", "05/25"),
        "next_review": ("Next Review Date", "03/11/2026")}


def test_a_pdf_header_cell_that_wraps_its_label_and_value_is_still_read() -> None:
    text = ("Effective Date: 04/14/2025\nOriginal Effective\nDate:\n03/30/2002\nMost Recent Review\nDate:\n"
            "02/13/2025 Next Review: 02/2026\nDESCRIPTION\n")
    assert {f.name: f.value for f in dated_fields(text)} == {
        "effective": "04/14/2025", "original": "03/30/2002", "reviewed": "02/13/2025", "next_review": "02/2026"}


@pytest.mark.parametrize(("text", "payer"), [
    # Centene's plans state positions as "It is the policy of <plan> that"; "MO HealthNet" is Missouri's Medicaid program
    ("Home State Health\nCLINICAL POLICY\nLine of Business: Medicaid (MO HealthNet Managed Care)\n\nPolicy/Criteria\n"
     "I. It is the policy of Home State Health that an initial epidural steroid injection is medically necessary when:\n"
     "IV. It is the policy of Home State Health that repeat injections are not medically necessary.\n", "Home State Health"),
    # a department is no plan; the plan's short form stands for its name
    ("Policy/Procedure Number: 404-1313  Lead Department:  Health Services\nTo describe the criteria the Central "
     "California Alliance for Health (the Alliance) uses.\nThe Alliance considers a helmet medically necessary when:\n"
     "The Alliance considers a helmet not medically necessary for ... Health Services staff review requests.\n",
     "Central California Alliance for Health"),
    # a Blue plan's licence notice under its name is no payer line; "Salud" is a plan word
    ("TRIPLE-S SALUD, INC.\n1441 Ave. Roosevelt, San Juan, Puerto Rico\nIndependent Licensee of the Blue Cross Blue "
     "Shield Association\n\nMEDICAL POLICY\nTitle: Wireless Capsule Endoscopy\nTriple-S Salud covers ...\n",
     "Triple-S Salud"),
    # a logo's lowercase word above the rest of the name: the fuller name the body writes
    ("CLINICAL POLICY\nBariatric Surgery\ntrillium\nCommunity Health Plan\nReference Number: OR.CP.MP.37\n"
     "This policy sets out the criteria that Trillium  Community  Health  Plan applies.\nTrillium Community Health "
     "Plan requires prior authorization.\n", "Trillium Community Health Plan"),
    # a parent's policy for the plan it runs under its own name
    ("Molina Clinical Policy\nReduction Mammaplasty\nPolicy No: MCP-287\nThis policy applies to Passport Health Plan "
     "by Molina Healthcare Kentucky Medicaid members.\n", "Passport Health Plan"),
    # a justified PDF line's spaces are no part of the name
    ("Simply Healthcare Plans, Inc. Medical Policy\nSubject: Hyperbaric Oxygen Therapy\nDocument #: MED.00006\n"
     "Note:  This  document  applies  to  Simply  Healthcare  Plans,  Inc.  members.\n", "Simply Healthcare Plans"),
    # a header table's "Department | Health Services" row (as an HTML table reads) is no plan's name
    ("Skip to content\n\nAllergy Testing\n\nPolicy Number  RV-MP-044\nDepartment  Health Services\nEffective Date  "
     "01/01/2025\n\nRiverbend Health Plans considers allergy testing medically necessary when ...\n"
     "Riverbend Health Plans reviews this policy every year.\n", "Riverbend Health Plans"),
    # a logo's name in lower case is the name as the document writes it elsewhere
    ("mesa verde health CLINICAL POLICY\nAllergy Testing\nReference Number: MV.CP.MP.12\nLine of Business: Ambetter "
     "from Mesa Verde Health\nIt is the policy of Mesa Verde Health that allergy testing is medically necessary ...\n",
     "Mesa Verde Health"),
])
def test_the_payer_is_the_plan_the_document_speaks_for(text: str, payer: str, tmp_path: Path) -> None:
    meta, _ = read_meta(text, tmp_path / "policy.txt")
    assert meta.payer == payer


def test_an_id_written_after_the_title_with_a_space_is_no_part_of_it(tmp_path: Path) -> None:
    text = "Clinical Policy: Bariatric Surgery OR.CP.MP.37\nReference Number: OR.CP.MP.37\nEffective Date: 04/01/2025\n"
    meta, _ = read_meta(text, tmp_path / "policy.txt")
    assert (meta.title, meta.policy_id) == ("Bariatric Surgery", "OR.CP.MP.37")
    # a number alone stays: it may be the title's own ("Section 12")
    text = "Title: Hospital Beds Section 12\nPolicy Number: 12\n"
    assert read_meta(text, tmp_path / "policy.txt")[0].title == "Hospital Beds Section 12"


@pytest.mark.parametrize(("question", "plan"), [
    # a plan's state said by its short form, before a name said without its generic tail
    ("Is maintenance TMS covered by VA Premier after the acute course?", "Virginia Premier Health Plan"),
    # the state's short form and the initials of the rest, in any case
    ("AzCH member wants diastasis recti repair after pregnancy. Is it covered?", "Arizona Complete Health"),
    # a hyphenated name said with a space
    ("does triple s pay for the ultrasound bone healing thing?", "Triple-S Salud"),
])
def test_a_plan_named_the_way_members_write_it(question: str, plan: str) -> None:
    names = PayerNames(["Virginia Premier Health Plan", "Arizona Complete Health", "Triple-S Salud",
                        "Blue Cross Blue Shield of Arizona", "Blue Cross of Northeastern Pennsylvania"])
    assert names.find(question.lower(), question)[0] == (plan,)


LOOSE_PLANS = ["Texas Children's Health Plan", "Health Plan of San Joaquin", "Cook Children's Health Plan",
               "Samaritan Health Plans", "Medical Mutual", "Central California Alliance for Health", "Clever Care Health Plan",
               "Community First Health Plans", "University of Utah Health Plans", "Independent Health",
               "Simply Healthcare Plans"]


@pytest.mark.parametrize(("question", "plan"), [
    # no apostrophe; the plan's own words around its generic ones in another order
    ("does texas childrens health plan cover the ear implant for ringing in the ears?", "Texas Children's Health Plan"),
    ("will san joaquin health plan cover the procedure where they make little cuts?", "Health Plan of San Joaquin"),
    # a possessive "s" more, and misspelt (no English word)
    ("does cooks childrens cover a helmet for brachycephaly", "Cook Children's Health Plan"),
    ("does samaratin cover the needle thing my PT does?", "Samaritan Health Plans"),
    # glued, the first word clipped
    ("does medmutual pay for a wound vaccum", "Medical Mutual"),
    # a word said short, an ordinal as a number, a misspelt word beside one as written
    ("does central cali alliance cover eye lid surgery", "Central California Alliance for Health"),
    ("does community 1st cover the sleep watch", "Community First Health Plans"),
    ("cleaver care - my knee just hurts from arthritis", "Clever Care Health Plan"),
    ("univ of utah health plan frozen shoulder - will they cover a cpm", "University of Utah Health Plans"),
])
def test_a_plan_said_loosely(question: str, plan: str) -> None:
    found = PayerNames(LOOSE_PLANS).by_loose_words(question.lower())
    assert found is not None and found[0] == plan


@pytest.mark.parametrize("question", [
    "is an independent physical therapist covered for dry needling?",  # an English word that is a plan's one word
    "i live in texas, does my plan cover a cochlear implant?",  # one of two words of a plan's name
    "simply put, is a cranial helmet covered?",
    "does the good samaritan hospital bill for acupuncture?",  # written right: the table's name reading, not this one
    "my children's hospital wants a cochlear implant",
    "what does the medical manual say about the mutual agreement?",
])
def test_words_that_only_resemble_a_plan_name_none(question: str) -> None:
    assert PayerNames(LOOSE_PLANS).by_loose_words(question.lower()) is None


def test_a_state_code_that_is_a_common_word_names_a_blue_plan_only_glued() -> None:
    names = PayerNames(["Blue Cross and Blue Shield of Oklahoma", "Blue Cross and Blue Shield of Texas", "Aetna"])
    assert names.find("bcbsok brca testing for a 58 y/o - covered?")[0] == ("Blue Cross and Blue Shield of Oklahoma",)
    # "ok" apart is the word: the family's name names both Blue plans
    assert len(names.find("is brca testing ok with bcbs? does it cover it")[0]) == 2
    # a Blue plan of a state no loaded plan serves, glued: no policy loaded
    assert names.find("does bcbspa cover brca testing?") == ((), "bcbspa")


@pytest.mark.parametrize(("text", "hint", "payer"), [
    # a plan's name followed by a colon mid-sentence is no "Health Plan:" label; the products after it are no name
    ("THE HEALTH PLAN\nHip Arthroscopy\nPolicy Number: MP-SUR-061\nAPPLIES TO\nThis medical policy applies to members "
     "of the following products offered or administered by The Health Plan:\nCommercial HMO, PPO and POS plans; "
     "self-funded groups for which The Health Plan provides review;\n", None, "The Health Plan"),
    # a product brand of the table that names the plan it comes from
    ("CLINICAL POLICY\nClinical Policy: Cochlear Implants\nReference Number  NM.CP.MP.14\nEffective Date  08/01/2025\n"
     "Plan  Mesa Verde Community Care (Medicaid); Ambetter from Mesa Verde Community Care\n", None,
     "Mesa Verde Community Care"),
    # a site banner's plan written once loses to the plan the page title names, which the page writes again
    ("Skip to main content\n\nLooking for Riverbend Health Rhode Island? Visit the Rhode Island site.\n\nMedical "
     "Necessity Guidelines: Power Mobility Devices\n\nApplies to  Riverbend Care Alliance Senior Care Options; "
     "Riverbend Care Alliance One Care\n", "Power Mobility Devices - Medical Necessity Guidelines | Riverbend Care Alliance",
     "Riverbend Care Alliance"),
])
def test_the_payer_is_not_a_product_list_a_product_or_a_banner(text: str, hint: str | None, payer: str,
                                                               tmp_path: Path) -> None:
    meta, _ = read_meta(text, tmp_path / "policy.html", title_hint=hint)
    assert meta.payer == payer


@pytest.mark.parametrize(("text", "title", "policy_id"), [
    ("Medicare Coverage Database > Search > Local Coverage Determination (LCD) Details\n\nLCD - Facet Joint "
     "Interventions for Pain Management (L38773)\n\nExpand All | Collapse All\n\nContractor Information\n",
     "Facet Joint Interventions for Pain Management", "L38773"),
    # a running header's next field is no title
    ("Prairie Health, Inc.  |  Medical Coverage Policy\nPolysomnography and Home Sleep Apnea Testing  |  Policy No. "
     "GH-MCP-109  |  Effective 07/01/2025\nPrairie Health\nMedical Coverage Policy\nPolysomnography and Home Sleep Apnea "
     "Testing\nPolicy Number: GH-MCP-109\n", "Polysomnography and Home Sleep Apnea Testing", "GH-MCP-109"),
    # a name with a digit opening the title is no id; the reference number is the id, not "Policy: BRCA1"
    ("Prairie Healthplan CLINICAL POLICY\nBRCA1 and BRCA2 Genetic Testing NV.CP.MP.161\nClinical Policy: BRCA1 and "
     "BRCA2 Genetic Testing\nReference Number: NV.CP.MP.161\nEffective Date: 07/01/2025\n",
     "BRCA1 and BRCA2 Genetic Testing", "NV.CP.MP.161"),
])
def test_titles_and_ids_of_real_headers(text: str, title: str, policy_id: str, tmp_path: Path) -> None:
    meta, _ = read_meta(text, tmp_path / f"{policy_id.lower()}-policy.txt")
    assert (meta.title, meta.policy_id) == (title, policy_id)


def test_a_plan_named_by_its_opening_letters() -> None:
    names = PayerNames(["VNS Health Health Plans", "Aetna"], policy_frequency={"vns": 1})
    assert names.find("does vns health cover hearing aid batteries?")[0] == ("VNS Health Health Plans",)
    assert names.find("is my vns plan paying for hearing aids")[0] == ("VNS Health Health Plans",)
    # the letters alone are no name where other plans' policies write them (VNS, vagus nerve stimulation)
    names = PayerNames(["VNS Health Health Plans", "Aetna"], policy_frequency={"vns": 4})
    assert names.find("is a vns implant covered for epilepsy?")[0] == ()
    assert names.find("does vns health cover hearing aid batteries?")[0] == ("VNS Health Health Plans",)


def test_a_family_name_beside_one_of_its_members_names_that_member() -> None:
    names = PayerNames(["Blue Cross and Blue Shield Federal Employee Program", "Blue Cross and Blue Shield of Texas",
                        "Anthem Blue Cross and Blue Shield", "Aetna"])
    assert names.find("does bcbs fep cover the mini gastric bypass?")[0] == (
        "Blue Cross and Blue Shield Federal Employee Program",)
    # the family alone, or with a plan of another family, still names every member
    assert len(names.find("does blue cross cover a gastric sleeve?")[0]) == 3
    assert len(names.find("does blue cross or aetna cover a gastric sleeve?")[0]) == 4


def test_the_names_a_policy_pairs_with_its_plans_own() -> None:
    from retrieval.metadata import payer_names

    text = ("This policy applies to members enrolled in group medical plans issued by University Health Alliance (UHA Health\n"
            "Insurance), a Hawaii mutual benefit society.")
    assert set(payer_names(text, "UHA")) == {"University Health Alliance", "UHA Health Insurance"}  # its initials
    assert payer_names("MedStar Family Choice (MFC) protocols are used with InterQual", "MedStar Family Choice") == ("MFC",)
    text = 'This policy applies to MCS Life Insurance Company ("MCS Life") and MCS Classicare (HMO).'
    assert set(payer_names(text, "MCS Healthcare Holdings")) == {"MCS Life Insurance Company", "MCS Life"}
    # a document's name is no plan's ("TRICARE Operations Manual (TOM)"), nor is a line of business ("(HMO)")
    assert payer_names("See the TRICARE Operations Manual (TOM), chapter 7.", "TRICARE") == ()
    assert payer_names("Texas Medicaid Provider Procedures Manual (TMPPM)", "Texas Children's Health Plan") == ()
    # a name that spells another only by its first letter is no pair ("Baptist Health Plan (B)")
    assert payer_names("Baptist Health Plan (BX) reviews", "Baptist Health Plan") == ()


@pytest.mark.parametrize(("head", "title"), [
    # a slogan and a help-line banner above the title are not it
    ("UHA Health Insurance\nBetter Health, Better Life.\nMEDICAL POLICY\nAcupuncture, Electroacupuncture and Dry Needling\n"
     "Policy Number: MP-12.004\n", "Acupuncture, Electroacupuncture and Dry Needling"),
    ("MedStar Family Choice | Maryland\nNeed Assistance?  Call 1-888-404-3549\nPolicy Number: MP.061.MFC\n\n"
     "MP.061.MFC - Sleep Studies: Home Sleep Apnea Testing, PAP Titration\n",
     "Sleep Studies: Home Sleep Apnea Testing, PAP Titration"),
])
def test_a_title_is_no_slogan_banner_or_policy_number(tmp_path: Path, head: str, title: str) -> None:
    path = tmp_path / "policy.txt"
    meta, _ = read_meta(head + "\nPolicy\nAcupuncture is medically necessary when ...\n", path)
    assert meta.title == title


def test_a_policy_number_in_front_of_a_title_field_is_no_part_of_it(tmp_path: Path) -> None:
    meta, _ = read_meta("Title: PM-CIR-134 Bariatric Surgery\nPolicy Number: PM-CIR-134\n\nPolicy\nText.\n",
                        tmp_path / "mcs.html")
    assert meta.title == "Bariatric Surgery"


@pytest.mark.parametrize(("head", "hint", "payer"), [
    # a logo's initials before the name they stand for; the copyright owner's trade name after "d/b/a"
    ("MHS | Managed Health Services\nIndiana Medicaid: Hoosier Healthwise | Healthy Indiana Plan (HIP)\n\n"
     "Clinical Policy: Wearable Cardioverter-Defibrillators\nReference Number: IN.CP.MP.356\n", None, "Managed Health Services"),
    ("Clinical Policy: Wearable Cardioverter-Defibrillators\nReference Number: IN.CP.MP.356\n\nPolicy\nText.\n\n"
     "(C)2021 Coordinated Care Corporation Indiana, Inc. d/b/a Managed Health Services. All rights reserved.\n", None,
     "Managed Health Services"),
    # a short plan name on the top line that the document writes as what a plan does, under its parent's tagline
    ("Keystone First\nA member of the AmeriHealth Caritas Family of Companies\n\nClinical Policy Title: Home phototherapy\n"
     "Clinical Policy Number: 05.01.11\n\nKeystone First has developed clinical policies. Keystone First's clinical "
     "policies draw on guidelines from the Centers for Medicare & Medicaid Services.\n", None, "Keystone First"),
    # a shared policy marks the plan it applies to
    ("Medical Necessity Guidelines:\nPulmonary Rehabilitation\nApplies to:\n[ ] Harvard Pilgrim Health Care Commercial "
     "products; Fax 1-800-232-0816\n[ ] Tufts Health Plan Commercial products; Fax 617-972-9409\n[X] CarePartners of "
     "Connecticut; Fax 617-972-9409\n", None, "CarePartners of Connecticut"),
    # a web page's site name ends its title, after a service named in payer words; a menu is no banner
    ("  \u2022 Home\n  \u2022 Medical Policies\n  \u2022 Home Health Services\n\nHome Health Services\n\nPolicy No.\n"
     "KCA-UM-115\n\nKelseyCare Advantage follows Medicare rules.\n",
     "Home Health Services | Medical Policies | KelseyCare Advantage", "KelseyCare Advantage"),
    # a brand that says whose company it is
    ("This medical policy applies to HealthSun Health Plans Medicare Advantage members. HealthSun Health Plans is an "
     "Elevance Health company.\n\nMedical Policy\n\nSubject:  Ambulatory Pulmonary Artery Pressure Monitoring\n", None,
     "HealthSun Health Plans"),
    # a Medicare contractor's LCD under the coverage database's banner; "Copyright Statement" names no owner
    ("Medicare Coverage Database > Search > Local Coverage Determination (LCD) Details\nContractor Information\n"
     "CONTRACTOR NAME\tCONTRACT TYPE\nNoridian Healthcare Solutions, LLC\tA and B MAC\n\nAMA CPT / ADA CDT / AHA NUBC "
     "Copyright Statement\nCPT codes are copyright 2023 American Medical\nAssociation. All Rights Reserved.\n", None,
     "Noridian"),
])
def test_the_plan_of_a_policy_written_in_its_own_shape(tmp_path: Path, head: str, hint, payer: str) -> None:
    meta, _ = read_meta(head, tmp_path / "policy.txt", title_hint=hint)
    assert meta.payer == payer


def test_a_line_of_products_is_no_title_and_a_stacked_cell_is_a_field(tmp_path: Path) -> None:
    meta, _ = read_meta("MHS | Managed Health Services\nIndiana Medicaid: Hoosier Healthwise | Healthy Indiana Plan (HIP)\n\n"
                        "CLINICAL POLICY\nWearable Cardioverter-Defibrillators\n\nPolicy\nText.\n", tmp_path / "mhs.txt")
    assert meta.title == "Wearable Cardioverter-Defibrillators"
    meta, _ = read_meta("Home Health Services\n\nPolicy No.\nKCA-UM-115\nEffective Date\nJanuary 1, 2024\n",
                        tmp_path / "kca.html")
    assert (meta.policy_id, meta.effective) == ("KCA-UM-115", "January 1, 2024")
    # (a label word ending a line of running text is no cell: "... see the policy number" above a sentence)
    fields = header_fields("Members should see the policy number\nprinted on page 2 of the handbook.\n")
    assert not [f for f in fields if f.name == "policy_id"]


def test_an_lcd_date_after_its_lead_words(tmp_path: Path) -> None:
    text = ("LCD ID\nL39114\nOriginal Effective Date\nFor services performed on or after 03/17/2022\n"
            "Revision Effective Date\nFor services performed on or after 02/08/2024\n")
    kinds = {f.name: f.value for f in dated_fields(text)}
    assert kinds == {"original": "03/17/2022", "revised": "02/08/2024"}
    meta, _ = read_meta(text, tmp_path / "lcd.txt")
    assert meta.policy_id == "L39114"


def test_an_administrator_a_chapter_number_and_a_section_heading_are_no_plan_or_title(tmp_path: Path) -> None:
    meta, _ = read_meta("North Carolina State Health Plan for Teachers and State Employees\nA Division of the Department of "
                        "State Treasurer\nAdministered by Blue Cross and Blue Shield of North Carolina (Third Party "
                        "Administrator)\n\nSTATE HEALTH PLAN BENEFIT POLICY\n\nHearing Aids and Hearing Aid Evaluation\n"
                        "Policy #: SHP-BP-2021-09\n", tmp_path / "shp.txt")
    assert meta.payer == "North Carolina State Health Plan for Teachers and State Employees"
    meta, _ = read_meta("Central Health Medicare Plan\n\n+------------------------+------------------------+\n"
                        "| Guideline Name         | Home Infusion Therapy Services |\n| Guideline Number       | "
                        "CHMP-UM-044            |\n\nPurpose\nThis guideline ...\n", tmp_path / "chmp.txt")
    assert meta.title == "Home Infusion Therapy Services"
    meta, _ = read_meta("PROVIDER PARTNERS HEALTH PLANS\n\nPurpose\n\nBackground\n\nSkilled Nursing Facility Stays\n",
                        tmp_path / "pphp.txt")
    assert meta.title == "Skilled Nursing Facility Stays"


@pytest.mark.parametrize(("hint", "head", "title"), [
    # a PDF's title field that is a number or a short form: the title is written out in the text
    ("HTA-UM-CP-07", "HealthTeam Advantage Clinical Coverage Policy\nOutpatient Physical, Occupational and Speech Therapy\n"
     "Policy Number HTA-UM-CP-07\n", "Outpatient Physical, Occupational and Speech Therapy"),
    ("Magellan Care Guidelines - TMS", "Magellan Care Guidelines 2025-2026 Medical Necessity Criteria\nTranscranial Magnetic "
     "Stimulation for Depression\nGuideline ID MCG-MHG-TMS\n", "Transcranial Magnetic Stimulation for Depression"),
])
def test_a_title_field_that_is_a_number_or_short_form_is_passed_over(tmp_path: Path, hint: str, head: str, title: str) -> None:
    meta, _ = read_meta(head, tmp_path / "policy.pdf", title_hint=hint)
    assert meta.title == title


def test_a_shorter_part_of_the_plans_name_that_states_positions_is_a_name_it_goes_by() -> None:
    from retrieval.metadata import payer_names

    text = ("Community Health Options\nMedical Policy MP-0027\nHealth Options considers endovenous ablation medically "
            "necessary when ...\nHealth Options may review ...")
    assert "Health Options" in payer_names(text, "Community Health Options")
    text = "Blue Care Network of Michigan\nBlue Care Network's members ...\nBlue Care Network covers ..."
    assert "Blue Care Network" in payer_names(text, "Blue Care Network of Michigan")
    # never a part inside the full name, a part with a joining word, nor one ending in a word every plan's name has
    text = "Blue Cross and Blue Shield of Alabama considers ...\nThe Health Plan considers ..."
    assert payer_names(text, "Blue Cross and Blue Shield of Alabama") == ()
    assert payer_names("Prairie Health Plan considers ...", "Big Prairie Health Plan") == ()
