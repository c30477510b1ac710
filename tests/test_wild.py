"""Other payers' policies in their own shapes (evals/wild/dev, the split we develop on), through the whole engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from retrieval.answer import AnswerEngine
from retrieval.ingest import ingest
from retrieval.settings import Settings

WILD_DEV = ROOT / "evals" / "wild" / "dev" / "corpus"
POSITIVE = {"covered", "covered_with_criteria"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    settings = Settings(corpus=WILD_DEV, index=tmp_path_factory.mktemp("wild") / "index", embedder="hashing")
    report = ingest(settings, [WILD_DEV])
    assert (report.documents, report.skipped) == (len(list(WILD_DEV.iterdir())), [])
    return AnswerEngine(settings)


def _policy_ids(answer) -> list[str]:
    return list(dict.fromkeys(c.policy_id for c in answer.citations))


@pytest.mark.parametrize("question", ["Does UHC cover prolotherapy for knee osteoarthritis?",
                                      "is prolotherapy covered by united healthcare?"])
def test_a_payer_named_the_way_people_say_it(engine: AnswerEngine, question: str) -> None:
    answer = engine.ask(question)
    assert (answer.route, answer.verdict) == (None, "investigational")
    assert (answer.citations[0].policy_id, answer.citations[0].payer) == ("2025T0522M", "UnitedHealthcare")


def test_the_named_payers_own_policy_even_when_another_payers_title_matches_better(engine: AnswerEngine) -> None:
    # Molina's policy is titled "Bariatric Surgery", Aetna's "Obesity Surgery": the question names Aetna
    answer = engine.ask("Aetna member is scheduled for a laparoscopic sleeve gastrectomy. Is that covered?")
    assert answer.route is None
    assert _policy_ids(answer)[0] == "0157"


def test_a_payer_with_no_policy_loaded_is_told_which_payers_are(engine: AnswerEngine) -> None:
    answer = engine.ask("Does Humana cover acupuncture?")
    assert answer.route == "not_in_corpus"
    assert "Humana" in answer.answer and "Aetna" in answer.answer and "UnitedHealthcare" in answer.answer


def test_a_loaded_payer_without_the_service_is_told_who_has_it(engine: AnswerEngine) -> None:
    answer = engine.ask("Does Kaiser cover acupuncture?")
    assert answer.route == "not_in_corpus"
    assert "Kaiser Permanente policy on acupuncture" in answer.answer and "Cigna" in answer.answer


def test_policies_that_disagree_are_each_quoted_with_no_single_verdict(engine: AnswerEngine) -> None:
    answer = engine.ask("Is hyperbaric oxygen therapy covered for decompression sickness?")
    assert answer.verdict is None
    listing = {"CG-MED-73", "20.29", "Chapter 7, Section 20.1", "CAM 20112", "CP.MP.27", "AHP-MP-112", "MCP-0112", "MED-042"}
    assert len(listing & set(_policy_ids(answer))) >= 3
    assert "differ" in answer.answer


def test_a_use_the_covered_statement_does_not_name_gets_no_covered_verdict(engine: AnswerEngine) -> None:
    answer = engine.ask("Does Blue Cross of Alabama cover a spinal cord stimulator to treat spasticity from multiple sclerosis?")
    assert answer.verdict not in POSITIVE


def test_a_date_field_outside_a_header_block_is_quoted_by_its_own_span(engine: AnswerEngine) -> None:
    answer = engine.ask("When was Aetna's prolotherapy policy last reviewed?")
    assert answer.citations[0].quote == "Last Review: 02/11/2025"


@pytest.mark.parametrize(("question", "first"), [
    ("What's the current effective date of Medical Mutual's negative pressure wound therapy policy?",
     "Current Effective Date: 07/01/2025"),
    ("When was Superior HealthPlan's ABA clinical policy last revised?", "Date of Last Revision: 09/25"),
    ("next review date on Partnership HealthPlan's hospital bed policy?", "Next Review Date: 03/11/2026"),
])
def test_a_dates_question_is_answered_with_the_date_it_asks_for(engine: AnswerEngine, question: str, first: str) -> None:
    # the current version's date, not the original one; Centene's "MM/YY"; the next review, not the last
    answer = engine.ask(question)
    assert " ".join(answer.citations[0].quote.split()) == first


def test_a_title_block_line_inside_a_policy_section_is_no_passage(engine: AnswerEngine) -> None:
    # Centene's "CLINICAL POLICY" banner leaves "Clinical Policy: ... Reference Number: CP.MP.231 ..." in a policy
    # section; the passages that answer are the policy's criteria
    answer = engine.ask("Home State Health member has already had 4 lumbar ESIs in the last 12 months and the doctor "
                        "is requesting a 5th in the same region. Will it be approved?")
    assert answer.citations and not [c.quote for c in answer.citations
                                     if "Reference Number" in c.quote or "Effective Date" in c.quote]
    assert "four ESI sessions" in answer.citations[0].quote


@pytest.mark.parametrize(("question", "code"), [
    # "Canister, disposable, used with suction pump" names the pump only as what it is used with
    ("What HCPCS code does Sanford list for the NPWT pump itself?", "E2402"),
    # "noninvasive, other than spinal applications" sets the asked spinal use apart
    ("Which HCPCS code does Sentara list for a noninvasive spinal bone growth stimulator?", "E0748"),
    # "each additional ... vertebral body" is an add-on code, not the one for a single level
    ("What CPT code does BCBSKS list for kyphoplasty at a single lumbar level?", "22514"),
    # a wrapped row keeps its description: "subsequent delivery and management, per session"
    ("What CPT code does Presbyterian list for subsequent TMS treatment sessions?", "90868"),
])
def test_the_code_row_that_names_what_is_asked_comes_first(engine: AnswerEngine, question: str, code: str) -> None:
    assert engine.ask(question).citations[0].quote.startswith(code)


def test_page_furniture_is_never_quoted(engine: AnswerEngine) -> None:
    for question in ("Does Cigna cover acupuncture for nausea from chemotherapy?", "Is precert needed for TMS with Cigna?"):
        answer = engine.ask(question)
        assert answer.route is None, question
        assert not [c.quote for c in answer.citations if c.quote.startswith("Cigna Healthcare") or "Proprietary" in c.quote]


def test_the_policys_own_abbreviation_names_the_service(engine: AnswerEngine) -> None:
    answer = engine.ask("Is precert needed for TMS with Cigna?")
    assert (answer.route, _policy_ids(answer)[0]) == (None, "0383")
    assert "Precertification is required for TMS" in answer.citations[0].quote


def test_every_quote_is_the_source_text(engine: AnswerEngine) -> None:
    from retrieval.loaders import load_text

    texts = {}
    for question in ("Does UHC cover PRP for tennis elbow?", "Is prior authorization required for bariatric surgery with Molina?",
                     "What CPT code does Blue Cross of Alabama list for spinal cord stimulator leads?"):
        for c in engine.ask(question).citations:
            text = texts.setdefault(c.source, load_text(Path(c.source)).text)
            assert text[c.start:c.end] == c.quote


def test_a_payer_taken_from_the_file_name_says_so(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "acme-mp-7-acupuncture.txt").write_text(
        "Acupuncture\n\nPolicy Number: MP-7\n\nPolicy\n\nAcupuncture is considered investigational for all indications.\n",
        encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing")
    ingest(settings, [corpus])
    answer = AnswerEngine(settings).ask("Is acupuncture covered for back pain?")
    assert answer.citations[0].payer == "Acme"
    assert "Acme (payer taken from the file name) medical policy MP-7" in answer.answer


def test_a_criterion_the_question_says_is_absent_never_carries_a_covered(engine: AnswerEngine) -> None:
    # both epidural steroid injection policies cover radicular pain (pain down the leg) under criteria
    answer = engine.ask("Does Oscar cover epidural steroid injections for back pain that doesn't go down my leg?")
    assert answer.verdict not in POSITIVE


def test_a_title_joining_two_services_names_each() -> None:
    from retrieval.answer.words import title_phrases

    phrases = title_phrases("Pain Management: Epidural Steroid Injections and Selective Nerve Root Blocks")
    assert {"Epidural Steroid Injections", "Selective Nerve Root Blocks"} <= set(phrases)
    assert "Prolotherapy" in title_phrases("Prolotherapy for Musculoskeletal Indications")


# --- fourth dev batch: safer statement choice, exceptions, unknown plans --------------------------------------------
def test_what_a_statement_leaves_out_is_not_named_by_it(engine: AnswerEngine) -> None:
    # "dry needling for any condition other than chronic low back pain ... is not covered" is not about low back pain
    answer = engine.ask("I have a PacificSource Medicare plan and my lower back has hurt for about 6 months. "
                        "Will they pay for dry needling?")
    assert (answer.verdict, _policy_ids(answer)[0]) == ("covered_with_criteria", "CWQI HCS-0247")


def test_a_near_tie_between_a_positive_and_a_negative_statement_is_read_the_safer_way(engine: AnswerEngine) -> None:
    answer = engine.ask("ok and once I'm better can I keep going once a month for maintenance?",
                        history=["Does Excellus cover chiropractic for my lower back pain?"])
    assert answer.verdict == "not_medically_necessary"


@pytest.mark.parametrize("question", ["Does Fallon Health cover spinal cord stimulators for failed back surgery?",
                                      "Does SummaCare cover negative pressure wound therapy at home?",
                                      "sanford health plan cranial helmet coverage for flat head?"])
def test_a_plan_the_table_does_not_know_is_told_it_is_not_loaded(engine: AnswerEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.route == "not_in_corpus" and answer.verdict is None


def test_a_listed_use_with_its_own_conditions_is_covered_with_criteria(engine: AnswerEngine) -> None:
    answer = engine.ask("What are TRICARE's requirements for hyperbaric oxygen for a diabetic foot wound?")
    assert answer.verdict == "covered_with_criteria"
    assert _policy_ids(answer)[0] == "Chapter 7, Section 20.1"


def test_the_words_that_name_the_plan_are_not_asked_about(engine: AnswerEngine) -> None:
    # "bcbs" is no word of the Tennessee policy: as an indication it sent the answer to the catch-all
    u = engine.reader.read("Does BCBS of Tennessee cover a spinal cord stimulator trial for failed back surgery syndrome?")
    assert "bcbs" not in u.indication and "tennesse" not in u.indication
    answer = engine.ask("Does BCBS of Tennessee cover a spinal cord stimulator trial for failed back surgery syndrome?")
    assert (answer.citations[0].policy_id, answer.verdict) == ("SUR-117", "covered_with_criteria")
    # a line of business in a plan's name is asked about: policies state positions per line
    assert "medicar" in engine.reader.read("I have a PacificSource Medicare plan. Is massage therapy covered?").indication


def test_a_payers_own_name_for_prior_approval_and_the_sentence_that_states_the_rule(engine: AnswerEngine) -> None:
    answer = engine.ask("Blue Cross NC member's spinal cord stimulator battery is depleted. Do we need prior review for "
                        "the generator replacement?")
    assert answer.intent == "prior_approval" and answer.verdict is None
    assert "battery life" in answer.citations[0].quote and "requires prior review" in answer.citations[0].quote
    answer = engine.ask("Is precert required for bariatric surgery with Aetna?")
    assert "Precertification of obesity surgery is required." in answer.citations[0].quote


def test_not_medically_necessary_when_the_criteria_are_not_met_is_no_rival_to_the_criteria(engine: AnswerEngine) -> None:
    answer = engine.ask("Does Regence cover radiofrequency ablation of the lumbar facet joints?")
    assert answer.verdict == "covered_with_criteria"
    assert "may be considered" in answer.citations[0].quote


def test_an_age_in_months_against_a_limit_in_months(engine: AnswerEngine) -> None:
    answer = engine.ask("Tufts Health Plan: baby is 14 months old with plagiocephaly, parents just now asking about a "
                        "helmet. Would the initial helmet be covered?")
    assert answer.verdict == "not_medically_necessary"
    assert any("older than 12 months" in c.quote for c in answer.citations[:2])


def test_a_catch_all_for_one_line_of_business_is_not_the_plans_own(engine: AnswerEngine) -> None:
    # "Medicare does not cover dry needling for any other condition." sits above Health Net's own position
    answer = engine.ask("Does Health Net cover dry needling for knee pain after ACL reconstruction?")
    assert answer.verdict == "investigational"
    assert answer.citations[0].quote.startswith("Health Net, Inc. considers dry needling")
    answer = engine.ask("I'm on a Moda Medicare Advantage plan. Can I get acupuncture covered for my knee arthritis?")
    assert answer.verdict == "not_covered" and "Medicare Advantage members" in answer.citations[0].quote


def test_a_listed_use_is_quoted_with_its_lead_in(engine: AnswerEngine) -> None:
    # a short list: the lead-in and the named item in one passage (still the source text, start to end)
    answer = engine.ask("Does Health Net cover laparoscopic sleeve gastrectomy?")
    assert answer.verdict == "covered_with_criteria"
    first = " ".join(answer.citations[0].quote.split())
    assert first.startswith("When the criteria above are met, the following procedures are considered medically necessary:")
    assert first.endswith("Laparoscopic sleeve gastrectomy")
    # further down a long list: the lead-in first, the item next
    answer = engine.ask("Does Cigna cover acupuncture for nausea from chemotherapy?")
    assert answer.citations[0].quote.startswith("Cigna covers acupuncture")
    assert answer.citations[1].quote == "nausea and vomiting associated with chemotherapy"


def test_a_plan_named_by_an_acronym_the_table_does_not_know_is_not_loaded(engine: AnswerEngine) -> None:
    answer = engine.ask("Does HMSA cover acupuncture for chronic back pain?")
    assert answer.route == "not_in_corpus" and "HMSA" in answer.answer


def test_a_new_service_in_a_conversation_is_asked_of_the_conversations_plan(engine: AnswerEngine) -> None:
    answer = engine.ask("ok and what about ablating a perforator vein if the patient has never had a leg ulcer?",
                        history=["Does Blue Cross Blue Shield of Michigan cover varicose vein ablation?"])
    assert {c.payer for c in answer.citations} == {"Blue Cross Blue Shield of Michigan"}


def test_a_use_the_conversations_policy_names_stays_with_that_policy(engine: AnswerEngine) -> None:
    # "PTSD" is also named by hyperbaric oxygen policies: the follow-up is still about TMS
    answer = engine.ask("And for PTSD?", history=["Does Blue Cross Blue Shield of Arizona cover TMS for depression?"])
    assert answer.citations[0].policy_id == "O417" and answer.verdict == "investigational"


def test_a_plans_short_name_is_no_typo(engine: AnswerEngine) -> None:
    # "bcbsmn" is one edit from nothing the plan writes but two from "bcbsnj": it names Minnesota's plan
    answer = engine.ask("bcbsmn PRP for androgenetic alopecia?")
    assert answer.citations[0].policy_id == "IV-114-006" and answer.verdict == "not_covered"


def test_the_named_plans_policy_found_by_what_it_says_before_not_loaded(engine: AnswerEngine) -> None:
    # (the plan's policy found by meaning, "a custom mouthpiece" for an oral appliance policy, needs the real model:
    # tests/test_real_model.py)
    # a service other plans' policies are titled by, which the named plan has no policy on, stays "not loaded"
    assert engine.ask("Does Health Net cover acupuncture for chronic low back pain?").route == "not_in_corpus"


def test_an_age_the_policy_excludes_outweighs_a_statement_that_names_the_device(engine: AnswerEngine) -> None:
    answer = engine.ask("what if the patient is 16?", history=[
        "Does Blue Cross Blue Shield of Arizona cover the Eversense implantable CGM for a type 1 diabetic?"])
    assert answer.verdict == "investigational"
    assert "younger" in answer.citations[0].quote


def test_a_number_that_is_an_age_or_a_measure_is_not_a_policy_number(engine: AnswerEngine) -> None:
    # policy "46" (Regence) is loaded; "a 46-year-old" asks about Quartz's sleep testing policy, not about it
    answer = engine.ask("Does Quartz cover a home sleep apnea test for a 46-year-old man with a STOP-BANG score of 5?")
    assert answer.route is None
    assert _policy_ids(answer)[0] == "MP-146"
    assert _policy_ids(engine.ask("what does policy 46 say about mouthguards?"))[0] == "46"


def test_the_bmi_rule_of_the_asked_procedure_before_the_main_criteria(engine: AnswerEngine) -> None:
    answer = engine.ask("what about a duodenal switch for a patient with a BMI of 46?",
                        history=["Does Blue Cross and Blue Shield of Texas cover gastric bypass surgery?"])
    assert answer.verdict == "not_medically_necessary"
    assert "BMI below 50" in answer.citations[0].quote


def test_a_lay_phrase_decides_between_equally_close_corrections(engine: AnswerEngine) -> None:
    # "stimulater" is as close to "stimulated" as to "stimulator": "back stimulator" is the phrase people use
    u = engine.reader.read("does blue cross texas pay for the back stimulater thing for my feet?", [])
    assert "spinal cord stimulation" in u.expanded


def test_a_plans_possessive_is_no_typo(engine: AnswerEngine) -> None:
    u = engine.reader.read("Is sleeve gastrectomy covered under Aetna's bariatric surgery policy?", [])
    assert u.payers == ("Aetna",)


@pytest.mark.parametrize("question", ["Does Blue Cross Blue Shield of Wyoming cover TMS for depression?",
                                      "Paramount bariatric surgery BMI criteria?",
                                      # a rep's shorthand with a word between the plan and the service
                                      "HMSA criteria for Inspire hypoglossal nerve stimulation?",
                                      # a title of two one-word services names each ("Panniculectomy and Abdominoplasty")
                                      "Paramount panniculectomy criteria?",
                                      # named the way plans are, or after "covered by"; Geisinger's disclaimer writes
                                      # "Paramount to these policies is ...", but no bariatric or TMS policy does
                                      "Does Alliant Health Plans cover a gastric sleeve?",
                                      "Is TMS covered by Paramount for depression?",
                                      "Paramount bariatric surgery criteria?"])
def test_a_plan_no_loaded_policy_belongs_to_is_not_answered_from_another(engine: AnswerEngine, question: str) -> None:
    # Wyoming's Blue plan: no loaded Blue plan serves Wyoming (payers.toml states); "Paramount ...": a rep's shorthand
    assert engine.ask(question).route == "not_in_corpus"


def test_a_listed_condition_of_a_positive_lead_in_is_covered(engine: AnswerEngine) -> None:
    answer = engine.ask("Does BlueCross BlueShield of South Carolina cover hyperbaric oxygen therapy for acute carbon "
                        "monoxide poisoning?")
    assert answer.verdict == "covered"
    # a listed use with its own conditions stays covered with criteria
    answer = engine.ask("Does UPMC Health Plan cover SADI-S for a member whose BMI is 52?")
    assert answer.verdict == "covered_with_criteria"


def test_a_bmi_limit_written_across_a_line_break(engine: AnswerEngine) -> None:
    answer = engine.ask("what if her BMI is 42?",
                        history=["Does L.A. Care cover maxillomandibular advancement for obstructive sleep apnea?"])
    assert answer.verdict == "not_medically_necessary"
    assert "40 kg/m2" in answer.citations[0].quote


def test_a_word_the_policy_writes_only_in_negative_statements_gets_no_covered(engine: AnswerEngine) -> None:
    # "liposuction" and "mastopexy" appear only in the reduction mammaplasty policy's cosmetic (not covered) list
    for question in ["Will Independent Health pay for liposuction of the breasts?", "Does Independent Health cover a mastopexy?"]:
        assert engine.ask(question).verdict not in POSITIVE


@pytest.mark.parametrize("split", ["dev", "test"])
def test_every_question_of_a_split_has_its_own_id(split: str) -> None:
    import json

    lines = (ROOT / "evals" / "wild" / split / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines if line.strip()]
    assert len(ids) == len(set(ids))


def test_a_named_plans_claim_is_member_specific(engine: AnswerEngine) -> None:
    answer = engine.ask("My Aetna claim for my sleeve surgery got denied last month. Can you tell me why and what I owe?")
    assert answer.route == "member_specific"


@pytest.mark.parametrize(("question", "measure"), [
    ("For a permanent spinal cord stimulator with BlueCross BlueShield of Tennessee, how much pain relief does the trial "
     "need to show?", "50%"),
    ("la care orthognathic criteria - how much overjet does the cephalometric analysis need to show?", "5 mm"),
    ("With Medical Mutual, how long does a diabetic foot ulcer need standard wound care before they'll approve negative "
     "pressure wound therapy?", "30 days"),
])
def test_a_question_for_a_measure_is_answered_by_the_criterion_that_states_one(engine: AnswerEngine, question: str,
                                                                             measure: str) -> None:
    answer = engine.ask(question)
    assert answer.verdict == "covered_with_criteria"  # a criterion under "... when ALL of the following are met:"
    assert measure in answer.citations[0].quote


def test_a_criterion_under_a_listed_use_with_its_own_conditions_is_covered_with_criteria(engine: AnswerEngine) -> None:
    # "medically necessary for 1 or more of the following: - Nonunion of a long bone fracture when ALL of the following
    # are met: - At least 90 days have passed ...": never an outright covered, whichever line is quoted
    answer = engine.ask("How long after the fracture does Sentara require before approving a noninvasive bone "
                        "stimulator for a long bone nonunion?")
    assert answer.verdict == "covered_with_criteria"


def test_a_plan_by_the_initials_of_its_name_before_health_plan(engine: AnswerEngine) -> None:
    answer = engine.ask("MGB Health Plan - is SCS covered for refractory angina?")
    assert answer.route is None
    assert (answer.citations[0].payer, answer.citations[0].policy_id) == ("Mass General Brigham Health Plan", "078")


def test_the_named_payers_own_policy_found_by_one_of_its_best_passages() -> None:
    from types import SimpleNamespace

    from retrieval.answer.candidates import Candidates

    def passage(doc_key: str, dense: float, text: str) -> SimpleNamespace:
        return SimpleNamespace(dense=dense, lexical=5.0, exact=False, chunk=SimpleNamespace(doc_key=doc_key, text=text))

    passages = [passage("aspirus-cgm", 0.37, "Continuous glucose monitors ..."),
                passage("aspirus-septoplasty", 0.56, "Radiofrequency remodeling of the nasal valve (for example, VivAer)")]
    index = SimpleNamespace(policies={}, search=lambda *args, **kwargs: passages)
    candidates = Candidates(index, Settings(corpus=WILD_DEV, index=WILD_DEV))
    u = SimpleNamespace(payers=("Aspirus Health Plan",), expanded="is vivaer of the nasal valve covered",
                        content=("vivaer", "nasal", "valv"))
    assert candidates._from_retrieval(u) == ["aspirus-septoplasty"]
    assert candidates._from_retrieval(SimpleNamespace(**{**vars(u), "payers": ()})) == []  # no payer: the best only


def test_a_negative_position_for_the_line_of_business_the_question_names(engine: AnswerEngine) -> None:
    answer = engine.ask("My daughter was just diagnosed with autism and she's on CHIP through Superior. "
                        "Will they pay for ABA therapy?")
    assert answer.verdict == "not_covered"
    assert answer.citations[0].quote.startswith("ABA is not a covered benefit for CHIP")


def test_a_measure_the_question_states_that_fails_the_quoted_criteria_gets_no_covered(engine: AnswerEngine) -> None:
    answer = engine.ask("i have heart failure but my ejection fraction is 50 percent, does mass general brigham cover "
                        "the heart rehab classes")
    assert answer.verdict is None  # the criterion is "... (LVEF) of 35% or less": the verdict is the reader's
    assert "35%" in answer.citations[0].quote


def test_a_listed_use_set_out_one_item_per_paragraph_is_quoted_with_its_lead_in(engine: AnswerEngine) -> None:
    answer = engine.ask("does anthem pay for acupunture for my migranes")
    first = " ".join(answer.citations[0].quote.split())
    assert first.startswith("Acupuncture is considered medically necessary when one or more of the following conditions")
    assert first.endswith("Migraine recurring for more than 12 weeks despite medication treatment; or")


def test_a_notice_never_carries_a_verdict_nor_does_what_the_policy_leaves_out(engine: AnswerEngine) -> None:
    # Regence's "PLEASE NOTE: Contracts exclude from coverage ... services or procedures that are considered
    # investigational or cosmetic" is boilerplate; "This policy does not address positive airway pressure devices ..."
    # is no position on an oral appliance
    answer = engine.ask("Member asks whether Regence covers a prefabricated boil-and-bite oral appliance for "
                        "obstructive sleep apnea.")
    assert answer.verdict not in {"investigational", "no_statement"}
    assert not any("PLEASE NOTE" in c.quote for c in answer.citations)
    assert any("Prefabricated oral appliances are considered not medically necessary" in " ".join(c.quote.split())
               for c in answer.citations[:3])


def test_initials_two_loaded_plans_share_name_both_and_the_service_decides(engine: AnswerEngine) -> None:
    # "PHP": Presbyterian Health Plan and Physicians Health Plan (of Northern Indiana); only the second has a power
    # mobility policy
    answer = engine.ask("Does PHP cover a power standing system on a power wheelchair?")
    assert answer.route is None
    assert answer.citations[0].policy_id == "MP-DME-017"


def test_filler_written_without_its_apostrophe_is_no_indication(engine: AnswerEngine) -> None:
    u = engine.reader.read("im on the oregon health plan thru IHN, cant find out if it covers acupunture for my lower back",
                           [])
    assert not {"im", "thru", "cant"} & set(u.indication)


def test_an_item_of_a_numbered_part_takes_its_parts_lead_in(engine: AnswerEngine) -> None:
    # "V. Investigational Treatments" and its lead-in used to run into the item before them
    answer = engine.ask("Does Superior HealthPlan cover miraDry for axillary hyperhidrosis?")
    assert answer.verdict == "investigational"
    assert "the following treatments for hyperhidrosis are investigational" in answer.citations[0].quote


def test_a_bmi_limit_is_no_age_limit(engine: AnswerEngine) -> None:
    # "IV. Type 2 Diabetes With BMI Below 35" once read as "younger than 35"
    answer = engine.ask("my 15 yr old son needs weight loss surgery, his bmi is 45. would bcbs of texas cover the lap "
                        "band for him??")
    assert answer.verdict == "investigational"
    assert "younger than 18" in " ".join(answer.citations[0].quote.split())


def test_a_listed_failure_of_a_criterion_is_no_rival_to_the_criteria(engine: AnswerEngine) -> None:
    # "Maxillomandibular advancement for OSA when the member has not completed a 3-month trial of PAP therapy"
    answer = engine.ask("Does L.A. Care cover maxillomandibular advancement for obstructive sleep apnea?")
    assert answer.verdict == "covered_with_criteria"
    assert answer.citations[0].quote.startswith("L.A. Care considers maxillomandibular advancement")
    answer = engine.ask("When does Blue Cross and Blue Shield of Montana consider vertebral fracture assessment "
                        "medically necessary?")
    assert answer.verdict == "covered_with_criteria"


def test_a_criteria_question_is_answered_by_the_criteria_not_a_narrower_listed_case(engine: AnswerEngine) -> None:
    answer = engine.ask("What are BCBSMT's criteria for arthroscopic partial meniscectomy?")
    assert answer.verdict == "covered_with_criteria"
    assert any(c.quote.startswith("Arthroscopic partial meniscectomy or meniscal repair may be considered")
               for c in answer.citations[:3])


def test_a_short_form_the_policy_defines_names_what_it_stands_for(engine: AnswerEngine) -> None:
    # "Under NCD 160.27, TENS for CLBP is not reasonable and necessary and is not covered."
    answer = engine.ask("Does Wellcare cover a TENS unit for chronic low back pain?")
    assert answer.verdict not in POSITIVE
    assert any("CLBP" in c.quote for c in answer.citations[:3])


def test_approved_up_front_asks_about_prior_approval(engine: AnswerEngine) -> None:
    answer = engine.ask("Active duty sailor, his PCM wants to send him to a civilian acupuncturist. Does TRICARE need "
                        "anything approved up front?")
    assert answer.verdict is None


def test_an_age_the_positive_statements_own_criterion_excludes(engine: AnswerEngine) -> None:
    # "The member is skeletally mature and 18 through 69 years of age" is not met at 72: the criteria are not met
    answer = engine.ask("72-year-old Capital Health Plan member, single-level C6-C7 radiculopathy, failed 3 months of PT "
                        "and an ESI. Does he qualify for cervical disc arthroplasty under CHP criteria?")
    assert answer.verdict == "not_medically_necessary"
    assert any("18 through 69 years of age" in c.quote for c in answer.citations[:2])
    answer = engine.ask("bcbsms - laparoscopic sleeve gastrectomy for a 44 y/o, BMI 42. covered?")
    assert answer.verdict == "covered_with_criteria"  # the adults' statement, not the adolescents'
    assert "adults age 18" in " ".join(answer.citations[0].quote.split())


def test_a_medi_cal_plans_tar_is_prior_approval() -> None:
    from retrieval.answer.question import _intent

    assert _intent("does partnership healthplan need a tar for office-based uvb phototherapy?") == "prior_approval"
    assert _intent("calOptima prefab orthotics $80/pair - pa needed?".lower()) == "prior_approval"
    assert _intent("does partnership cover coal tar with uvb for psoriasis?") != "prior_approval"


def test_what_a_plan_needs_uses_or_accepts_asks_for_its_criteria() -> None:
    from retrieval.answer.question import _intent

    assert _intent("what phq-9 score does virginia premier need for tms?") == "criteria"
    assert _intent("what risk model threshold does asuris use for an unaffected patient?") == "criteria"
    assert _intent("johns hopkins healthcare: what's needed to extend a wearable defibrillator?") == "criteria"
    assert _intent("what does aetna cover for tms?") == "coverage"


def test_each_row_of_a_coverage_table_answers_for_the_use_it_names(engine: AnswerEngine) -> None:
    answer = engine.ask("Is proton beam therapy for esophageal cancer covered by Healthfirst NY?")
    assert answer.verdict == "investigational"
    assert "Esophageal, gastric, pancreatic" in answer.citations[0].quote


def test_an_age_that_fits_another_use_never_outweighs_the_statement_that_names_the_asked_one(engine: AnswerEngine) -> None:
    # "small bowel capsule endoscopy ... for members age 2 years and older" fits 52; colon capsule screening is not it
    answer = engine.ask("Member is 52, average risk, wants a colon capsule (PillCam COLON 2) instead of a colonoscopy "
                        "for routine colon cancer screening. Does Fidelis Care cover that?")
    assert answer.verdict == "not_medically_necessary"
    assert answer.citations[0].quote.startswith("Colon capsule endoscopy for routine colorectal cancer")


def test_a_use_whose_list_names_what_the_member_must_have_is_covered_with_criteria(engine: AnswerEngine) -> None:
    # "... is Medically Necessary for a Member with either of the following:" (CalOptima) and a listed use "..., with 1 or
    # more of the following:" (Sentara): the list holds the member's conditions, so never a plain "covered"
    answer = engine.ask("Does CalOptima cover ketogenic enteral formula for GLUT1 deficiency syndrome?")
    assert answer.verdict == "covered_with_criteria"
    answer = engine.ask("Does Sentara cover a noninvasive spinal bone growth stimulator as an adjunct to spinal fusion "
                        "for a member at high risk of fusion failure?")
    assert answer.verdict == "covered_with_criteria"


def test_a_word_spelt_right_is_no_typo_of_a_corpus_word(engine: AnswerEngine) -> None:
    u = engine.reader.read("does meridian pay to get my sons tonsils out? hes 6 and snores real bad and stops breathing "
                           "at night", [])
    assert " snores real bad " in u.expanded  # not "scores real band"
    assert u.doc_keys and "tonsillectomy" in u.doc_keys[0]
    # a misspelling still reads as the word meant
    assert "prolotherapy covered" in engine.reader.read("is prolotheraphy covred by aetna?", []).expanded


@pytest.mark.parametrize(("question", "payer"), [("does cal optima cover arch supports?", "CalOptima Health"),
                                                 ("does care oregon pay for back fusion surgery?", "CareOregon"),
                                                 ("select health cpap criteria", "SelectHealth")])
def test_a_plan_written_as_one_word_in_two_capitals_is_said_as_two(question: str, payer: str) -> None:
    from retrieval.answer.payers import PayerNames

    names = PayerNames(["CalOptima Health", "CareOregon", "SelectHealth", "Kaiser Permanente"])
    assert names.find(question) == ((payer,), None)


@pytest.mark.parametrize(("question", "payer"), [("mercycare speech therapy for my son", "Mercy Care"),
                                                 ("is it covered by peachstate?", "Peach State Health Plan"),
                                                 ("does homestate cover it", "Home State Health")])
def test_a_plans_two_word_name_written_as_one_word(question: str, payer: str) -> None:
    from retrieval.answer.payers import PayerNames

    names = PayerNames(["Mercy Care", "Peach State Health Plan", "Home State Health", "Health Net"])
    assert names.find(question) == ((payer,), None)


@pytest.mark.parametrize(("question", "payer"), [
    ("Will Inland Empire Health Plan pay for a cochlear implant for tinnitus?", "IEHP"),
    ("does inland empire health cover TMS for depression", "IEHP"),
    ("Does BCNEPA cover arthroscopic lavage for knee osteoarthritis?", "Blue Cross of Northeastern Pennsylvania"),
    ("Is meniscus repair covered by BCNEPA for a 25 year old?", "Blue Cross of Northeastern Pennsylvania"),
])
def test_a_loaded_plan_named_by_its_letters(engine: AnswerEngine, question: str, payer: str) -> None:
    # the plan's name spelled out for a plan loaded by its initials, and the initials of a plan loaded by its name;
    # the words that name it are not asked about
    u = engine.reader.read(question, [])
    assert u.payers == (payer,) and u.unknown_payer is None
    assert not {"inland", "empir", "bcnepa"} & set(u.content)
    assert engine.ask(question).route is None


def test_letters_in_order_need_every_words_initial() -> None:
    from retrieval.answer.payers import PayerNames

    names = PayerNames(["Blue Cross of Northeastern Pennsylvania", "Blue Cross Blue Shield of Arizona", "IEHP"])
    assert names.by_initials("bcnepa", "")[0] == "Blue Cross of Northeastern Pennsylvania"
    assert names.by_initials("bcbsaz", "")[0] == "Blue Cross Blue Shield of Arizona"
    assert names.by_initials("hmsa", "") is None and names.by_initials("BCBSWY", "") is None
    assert names.by_initials("Empire Health Plan", "will inland empire health plan pay")[0] == "IEHP"
    assert names.by_initials("Fallon Health", "does fallon health cover it") is None


def test_a_follow_up_stays_with_the_policy_the_first_turn_was_answered_from(engine: AnswerEngine) -> None:
    # "Synvisc-One" names no policy title or alias: the first turn is answered from the plan's hyaluronic acid policy
    # by retrieval, and "And Monovisc?" stays with it instead of being off topic
    first = "Does Jefferson Health Plans cover Synvisc-One for knee OA?"
    answered_from = engine.ask(first).citations[0]
    assert answered_from.payer == "Jefferson Health Plans"
    answer = engine.ask("And Monovisc?", history=[first])
    assert answer.route is None and answer.citations[0].policy_id == answered_from.policy_id


def test_an_age_past_an_inclusive_limit_is_no_covered(engine: AnswerEngine) -> None:
    # "The individual is age 50 or younger" holds a 25-year-old; "and if he's 55?" falls past it
    first = "Does BCNEPA cover knee arthroscopy for meniscal repair for a 25 year old with a peripheral tear?"
    assert engine.reader.read("and if he's 55?", [first]).age == 55
    answer = engine.ask("and if he's 55?", history=[first])
    assert answer.verdict == "not_medically_necessary"
    assert any(c.quote == "The individual is age 50 or younger; AND" for c in answer.citations)


def test_an_everyday_word_names_a_plan_only_where_it_is_written_as_a_name() -> None:
    from retrieval.answer.payers import PayerNames

    # "scan", "mass" and "sharp" are written by many policies of other plans: ordinary words of this corpus
    frequency = {"scan": 12, "mass": 9, "sharp": 5, "aetna": 2}
    names = PayerNames(["SCAN Health Plan", "Mass General Brigham Health Plan", "Sharp Health Plan", "Aetna"],
                       policy_frequency=frequency)

    def find(question: str) -> tuple[str, ...]:
        return names.find(question.lower(), question)[0]

    assert find("What about a DXA body composition scan to measure fat and lean mass?") == ()
    assert find("i have sharp pain in my knee, is PT covered by aetna?") == ("Aetna",)
    assert find("aetna prolo criteria?") == ("Aetna",)  # a name no other plan's policies write needs no context
    assert find("Does SCAN cover a LifeVest?") == ("SCAN Health Plan",)
    assert find("is the wearable defib covered by scan?") == ("SCAN Health Plan",)
    assert find("scan members: is the wearable defib covered") == ("SCAN Health Plan",)
    assert find("does sharp cover a knee scope") == ("Sharp Health Plan",)
    assert find("my mass general brigham plan covers it?") == ("Mass General Brigham Health Plan",)
    # without a question's own words (a payer filter), the word alone still names the plan
    assert names.find("scan")[0] == ("SCAN Health Plan",)


def test_a_follow_up_about_a_use_the_conversations_policy_names_stays_with_it(engine: AnswerEngine) -> None:
    # "hip" names hip arthroscopy, which Presbyterian has no policy on; its bone growth stimulator policy names
    # avascular necrosis among its investigational uses
    first = "Presbyterian bone growth stimulator for a failed ankle fusion - covered?"
    u = engine.reader.read("ok and avascular necrosis of the hip?", [first])
    assert u.payers == ("Presbyterian Health Plan",) and "presbyterian" in u.doc_keys[0]
    answer = engine.ask("ok and avascular necrosis of the hip?", history=[first])
    assert answer.route is None and answer.verdict == "investigational"


def test_central_sleep_apnea_names_no_plan(engine: AnswerEngine) -> None:
    # "Central" opens Central California Alliance for Health's name; here it is a kind of sleep apnea
    u = engine.reader.read("Will UCare pay for a hypoglossal nerve stimulator to treat my central sleep apnea?", [])
    assert u.payers == ("UCare",) and "central" in u.content


def test_a_typo_is_never_fixed_into_a_plans_name(engine: AnswerEngine) -> None:
    # "speach" is as near "peach" (Peach State Health Plan) as "speech": the corpus's word, not a plan
    u = engine.reader.read("mercycare speach therapy for my son who stutters, hes 8. is it covered", [])
    assert u.payers == ("Mercy Care",) and "speech therapy" in u.expanded
    assert u.doc_keys and "speech" in u.doc_keys[0]
    # before a plan's tail a fix still makes the plan's name
    assert engine.reader.read("does asprius health plan cover septoplasty?", []).payers == ("Aspirus Health Plan",)


def test_a_word_the_services_own_policies_write_is_no_plan_in_a_reps_shorthand(engine: AnswerEngine) -> None:
    # "EHP" is Johns Hopkins' employer plan, written in its acupuncture policy; "Inspire" is a device its policies name
    assert engine.ask("EHP acupuncture for knee OA: after the first 6 visits, what has to be documented?").route is None
    assert engine.reader.read("Inspire criteria for obstructive sleep apnea?", []).unknown_payer is None


def test_the_named_plans_policy_that_writes_a_rare_word_of_the_question_answers(engine: AnswerEngine) -> None:
    # "Inspire" is written by three policies; UCare's hypoglossal nerve policy ranks below other plans' implant
    # policies by meaning ("prior authorization ... implantation"), but it names the device asked about
    answer = engine.ask("Does UCare require prior authorization for Inspire implantation?")
    assert answer.route is None and answer.citations[0].payer == "UCare"


def test_a_plan_is_named_without_its_health_plan_tail() -> None:
    from retrieval.answer.payers import PayerNames

    names = PayerNames(["L.A. Care Health Plan", "Central California Alliance for Health", "Health Net"])
    assert names.find("does la care cover a cgm?")[0] == ("L.A. Care Health Plan",)
    assert names.find("central california alliance helmet criteria")[0] == ("Central California Alliance for Health",)
    assert names.find("ccah blepharoplasty criteria")[0] == ("Central California Alliance for Health",)
    # one plan or many, with or without its "of"; a first word that opens many names ("home") names no plan alone
    names = PayerNames(["Cox HealthPlans", "Community Health Plan of Washington", "Home State Health"])
    assert names.find("will cox health plan pay for a wound vac?")[0] == ("Cox HealthPlans",)
    assert names.find("community health plan washington microarray")[0] == ("Community Health Plan of Washington",)
    assert names.find("does my plan cover the take home sleep test?")[0] == ()
    assert names.find("does home state health cover dbs?")[0] == ("Home State Health",)


def test_a_plan_name_before_its_plan_word_is_corrected_only_into_a_loaded_plans_name(engine: AnswerEngine) -> None:
    assert engine.reader.read("Will Asprius health plan pay for a nose job?", []).payers == ("Aspirus Health Plan",)
    u = engine.reader.read("alliant health plans acupunture for migranes covered?", [])
    assert (u.payers, u.unknown_payer) == ((), "alliant health plans")


def test_blue_cross_names_every_blue_plan_and_the_and_in_a_blue_plans_name_is_optional() -> None:
    from retrieval.answer.payers import PayerNames

    names = PayerNames(["BlueCross BlueShield of Tennessee", "Blue Cross Blue Shield of Minnesota",
                        "Blue Cross & Blue Shield of Mississippi"])
    # "BlueCross" is the first word of Tennessee's name, but "blue cross" is no name of Tennessee's plan alone
    assert set(names.find("does blue cross cover tms?")[0]) == set(names.loaded)
    assert names.find("will my blue cross and blue shield of minnesota plan pay?")[0] == ("Blue Cross Blue Shield of Minnesota",)
    assert names.find("blue cross and blue shield of mississippi osa surgery")[0] == ("Blue Cross & Blue Shield of Mississippi",)


def test_a_brand_and_its_legal_name_each_written_in_the_others_documents_are_one_plan() -> None:
    from retrieval.metadata import payer_families

    texts = {"Sunshine Health": ["It is the policy of Sunshine Health that ... (c) Sunshine State Health Plan, Inc."],
             "Sunshine State Health Plan": ["Sunshine Health considers bilateral cochlear implants medically necessary"],
             "Blue Cross of Northeastern Pennsylvania": ["... BlueCross BlueShield of Tennessee ..."],
             "BlueCross BlueShield of Tennessee": ["... Blue Cross of Northeastern Pennsylvania ..."],
             "Capital Health Plan": ["... Capital Blue Cross ..."], "Capital Blue Cross": ["... Capital Health Plan ..."]}
    families = payer_families(list(texts), texts)
    assert families["Sunshine Health"] == families["Sunshine State Health Plan"]
    # names that begin with a word of many plans' names stay apart, whatever their documents write
    assert families["Blue Cross of Northeastern Pennsylvania"] != families["BlueCross BlueShield of Tennessee"]
    assert families["Capital Health Plan"] != families["Capital Blue Cross"]
    # without each other's name in their documents, two plans that begin alike stay apart
    assert payer_families(["Sunshine Health", "Sunshine State Health Plan"],
                          {"Sunshine Health": ["x"], "Sunshine State Health Plan": ["Sunshine Health"]})["Sunshine Health"] \
        == "Sunshine Health"


def test_the_named_plans_policy_that_retrieval_over_every_plan_ranks_near_the_top() -> None:
    from types import SimpleNamespace

    from retrieval.answer.candidates import AGREEMENT_POLICIES, Candidates

    def passage(doc_key: str, dense: float) -> SimpleNamespace:
        return SimpleNamespace(dense=dense, lexical=5.0, exact=False, chunk=SimpleNamespace(doc_key=doc_key, text=""))

    others = [passage(f"other-bariatric-{n}", 0.7) for n in range(AGREEMENT_POLICIES)]
    own = passage("bcbsil-panniculectomy", 0.53)
    asked: list[str] = []

    def candidates_over(passages: list) -> Candidates:
        def search(query: str, **kwargs) -> list:
            asked.append(query)
            assert kwargs.get("doc_keys") is None  # every plan's policies, not only the named plan's
            return passages
        policies = {p.chunk.doc_key: SimpleNamespace(meta=SimpleNamespace(
            payer="BCBSIL" if p.chunk.doc_key == own.chunk.doc_key else "Other", policy_id=p.chunk.doc_key,
            title="Panniculectomy" if p.chunk.doc_key == own.chunk.doc_key else "Bariatric Surgery"))
            for p in passages}
        return Candidates(SimpleNamespace(policies=policies, search=search), Settings(corpus=WILD_DEV, index=WILD_DEV))

    u = SimpleNamespace(payers=("BCBSIL",), plan_free="member, 2 years out from gastric bypass. is the panniculectomy covered?")
    # ranked below three other plans' policies (passages of one policy count once): it is about the asked service
    assert candidates_over([others[0], others[1], others[1], others[2], own])._ranked_among_all(u) == ["bcbsil-panniculectomy"]
    assert asked[-1] == u.plan_free  # the question less the plan's name
    # below as many other policies as AGREEMENT_POLICIES, or not close in meaning: it is about something else
    assert candidates_over([*others, own])._ranked_among_all(u) == []
    weak = passage("bcbsil-panniculectomy", 0.3)
    assert candidates_over([others[0], weak])._ranked_among_all(u) == []

    # lower down, it still answers when it writes a word of the question that few policies write at all (a device's
    # name: "Inspire" in 3 of 164 dev policies)
    def with_text(candidates: Candidates, text: str, frequency: dict[str, int]) -> Candidates:
        candidates.index.policies[own.chunk.doc_key].text = text
        candidates.index.policy_frequency = frequency
        return candidates

    u = SimpleNamespace(payers=("BCBSIL",), plan_free="is prior auth needed for the inspire implant?")
    assert with_text(candidates_over([*others, own]), "... the Inspire system ...",
                     {"inspire": 3})._ranked_among_all(u) == ["bcbsil-panniculectomy"]
    assert with_text(candidates_over([*others, own]), "... the Inspire system ...",
                     {"inspire": 9})._ranked_among_all(u) == []  # a word many policies write names no one service
    assert with_text(candidates_over([*others, own]), "... no device named ...",
                     {"inspire": 3})._ranked_among_all(u) == []


def test_the_named_plans_policy_below_other_plans_policies_on_the_same_service() -> None:
    from types import SimpleNamespace

    from retrieval.answer.candidates import AGREEMENT_POLICIES, Candidates, _one_service

    titles = {f"other-{n}": "Treatment of Varicose Veins and Superficial Venous"
              for n in range(AGREEMENT_POLICIES + 1)}
    titles |= {"gundersen-veins": "Varicose Vein Treatment", "gundersen-lumbar": "Lumbar Spinal Fusion"}
    policies = {k: SimpleNamespace(meta=SimpleNamespace(title=t, payer="Gundersen" if k.startswith("gundersen") else "Other",
                                                        policy_id=k)) for k, t in titles.items()}

    def passage(doc_key: str) -> SimpleNamespace:
        return SimpleNamespace(dense=0.6, lexical=5.0, exact=False, chunk=SimpleNamespace(doc_key=doc_key, text=""))

    def ranked(own: str) -> list[str]:
        passages = [passage(f"other-{n}") for n in range(AGREEMENT_POLICIES + 1)] + [passage(own)]
        index = SimpleNamespace(policies=policies, search=lambda *a, **k: passages)
        candidates = Candidates(index, Settings(corpus=WILD_DEV, index=WILD_DEV))
        return candidates._ranked_among_all(SimpleNamespace(payers=("Gundersen",), plan_free="sclerotherapy for spider veins"))

    # many plans' policies on varicose veins rank first: the named plan's own one on the same service answers
    assert ranked("gundersen-veins") == ["gundersen-veins"]
    # a policy of the plan on another service, as far down, does not
    assert ranked("gundersen-lumbar") == []
    assert not _one_service(policies["gundersen-lumbar"], SimpleNamespace(meta=SimpleNamespace(title="Sacroiliac Joint Fusion")))


def test_the_question_less_the_plans_name(engine: AnswerEngine) -> None:
    u = engine.reader.read("BCBSIL member with a pannus - is the panniculectomy covered by Blue Cross Blue Shield of "
                           "Illinois?", [])
    assert u.payers == ("Blue Cross and Blue Shield of Illinois",)
    assert "bcbsil" not in u.plan_free and "illinois" not in u.plan_free and "panniculectomy" in u.plan_free


# ("a cranial helmet": Tufts' statements never write "helmet", so a plain "helmet" reaches its policy by retrieval, which
# the hashing embedder of these tests cannot do; MiniLM does, and `python -m evals` asks it that way)
@pytest.mark.parametrize("question", ["Will UPMC pay for an overnight sleep study if my only problem is insomnia?",
                                      "my babys head is a little flat on one side, the dr said its mild. will tufts pay "
                                      "for a cranial helmet"])
def test_what_no_statement_names_gets_the_passages_not_the_first_statements_covered(engine: AnswerEngine,
                                                                                   question: str) -> None:
    # insomnia, a mild flat head: the policy writes of them, but none of its statements names them; its first statement
    # covers another use with criteria, and that would be a guess
    answer = engine.ask(question)
    assert answer.route is None and answer.verdict is None
    assert answer.citations


def test_non_joined_to_its_word_is_one_term_and_no_negation() -> None:
    from retrieval.answer.question import _negated
    from retrieval.answer.words import content_words

    assert content_words("a therapeutic non-implantable CGM") == content_words("a therapeutic nonimplantable CGM")
    assert "implant" not in content_words("non-implantable CGM")  # never a mention of the implantable kind
    assert _negated("and for non-small cell lung cancer?") == ((), ())
    assert "smoker" in " ".join(_negated("the member is not a smoker")[0])


def test_a_negation_governs_its_own_sentence_and_a_failed_treatment_is_no_absence() -> None:
    from retrieval.answer.question import _negated

    # "don't help much." negates nothing of the next sentence, which names the service asked about
    absent, tried = _negated("the pills don't help much. does wellcare cover a tens unit?")
    assert not {"wellcar", "ten", "unit"} & set(absent + tried)
    # what was tried and failed is present: no 'covered' is vetoed for naming hearing, and CPAP is no indication
    absent, tried = _negated("an adult who doesn't do well with hearing aids")
    assert absent == () and "hear" in tried
    absent, tried = _negated("moderate osa, can't tolerate cpap")
    assert absent == () and "cpap" in tried
    # an absence stays one
    assert _negated("back pain that doesn't go down my leg") == (("leg",), ())
    assert "heal" in _negated("six weeks of wound care and still not healing")[0]


def test_a_title_of_two_services_names_each_even_one_word_long() -> None:
    from retrieval.answer.words import title_phrases

    assert {"Panniculectomy", "Abdominoplasty"} <= set(title_phrases("Panniculectomy and Abdominoplasty"))
    assert "Diagnosis" not in title_phrases("Diagnosis and Treatment")  # an everyday word names no service


def test_a_name_the_corpus_writes_only_in_passing_is_answered_only_by_a_policy_that_writes_it(engine: AnswerEngine) -> None:
    # "LASIK" is written once, in a cataract policy's "This guideline does not address ... LASIK": no policy is about it,
    # and a PRP policy's "dry eye disease" is no answer for "eye surgery"
    assert engine.ask("is lasik eye surgery covered?").route == "not_in_corpus"
    # "cryo" for tonsils: never the criteria of the same plan's pneumatic compression policy
    answer = engine.ask("can meridian cover the tonsil freezing thing (cryo) for my teenager instead of regular surgery?")
    assert answer.verdict not in POSITIVE


def test_a_criteria_answer_never_states_covered_over_a_quote_that_says_otherwise(engine: AnswerEngine) -> None:
    # the best sentence, "Suction-assisted lipectomy (liposuction) used as the only technique ... is considered not
    # medically necessary", sits after the symmetry procedures' criteria under its own "Liposuction" part: its own
    # position, never "covered"
    answer = engine.ask("Moda Health - is liposuction-only breast reduction covered, or does it have to be a standard "
                        "reduction mammoplasty?")
    assert answer.verdict == "not_medically_necessary"
    assert any("Suction-assisted lipectomy" in c.quote for c in answer.citations[:2])


def test_a_follow_up_whose_words_only_brush_other_policies_stays_with_the_conversation(engine: AnswerEngine) -> None:
    # no title names "already 20 months old"; only other plans' statements write "already", and none of them is the
    # Alliance's: the follow-up is about the helmet policy, not "no Alliance policy on vertebroplasty"
    first = "Does Central California Alliance for Health cover a helmet for plagiocephaly?"
    answer = engine.ask("and if the baby is already 20 months old?", history=[first])
    assert answer.route is None and answer.citations[0].policy_id == "404-1313"
    # words that lead to the conversation's own policy go on with its subject: the cancer is what is asked about
    first = "Does SCAN cover negative pressure wound therapy for a venous leg ulcer?"
    u = engine.reader.read("What if there's cancer in the wound?", [first])
    assert u.from_history and "cancer" in u.indication


def test_the_named_plans_policy_that_states_a_distinctive_word_keeps_it_against_another_plans_title(
        engine: AnswerEngine) -> None:
    # "hip" names another plan's "Hip Arthroscopy"; Cox's wound therapy policy is the one stating "Prevena". (With MiniLM
    # the title match took the question from Cox and answered "no Cox policy on hip arthroscopy"; the hashing
    # embedder has no title meanings, so the rule is checked where it decides.)
    services = engine.reader._services
    keys = {Path(k).name.split(".")[0]: k for k in engine.index.policies}
    cox = keys["cox-healthplans-med-dme-009-negative-pressure-wound-therapy"]
    hip = keys["healthfirst-hfmp-0208-hip-arthroscopy-fai"]
    question = "cox healthplans - surgeon wants a prevena incisional vac on a closed hip replacement incision"
    assert services._states_what_others_do_not(question, cox, [hip])
    assert not services._states_what_others_do_not("cox healthplans hip arthroscopy for hip pain", cox, [hip])
    # a plan's own word ("BlueShield", or a program each of its policies names: "OHP") is no such word
    tms = keys["ambetter-cp"]
    bcbst = keys["bcbs-tennessee-sur-042-blepharoplasty"]
    assert not services._states_what_others_do_not("does bluecross blueshield of tennessee cover tms", bcbst, [tms])
    bariatric = keys["bcbstx-sur716"]
    careoregon = keys["careoregon-med-dme-019-continuous-glucose-monitors"]
    assert not services._states_what_others_do_not("careoregon bariatric surgery for an ohp member", careoregon,
                                                   [bariatric])


@pytest.mark.parametrize("question", ["san fran health plan - acupucture for weight loss covered??",
                                      "healthy workers hmo thru SF health plan, how many acupunture visits do i get"])
def test_a_plans_place_said_short_names_the_plan(engine: AnswerEngine, question: str) -> None:
    # "San Fran" and "SF" for San Francisco before the plan's tail: the plan, not an unknown "Fran Health Plan"
    u = engine.reader.read(question, [])
    assert u.payers == ("San Francisco Health Plan",) and u.unknown_payer is None
    assert "fran" not in u.content and "sf" not in u.content


def test_what_the_question_says_failed_is_not_its_subject(engine: AnswerEngine) -> None:
    # "PPIs", which no policy writes, is what did not work: the question asks about the conversion surgery
    u = engine.reader.read("Trillium member had a sleeve in 2021 and now has reflux that isn't responding to PPIs. "
                           "Surgeon wants to convert to a Roux-en-Y. Is the conversion covered?", [])
    assert u.payers == ("Trillium Community Health Plan",) and u.doc_keys and "trillium" in u.doc_keys[0]


def test_a_follow_up_naming_part_of_another_plans_title_stays_with_the_conversation(engine: AnswerEngine) -> None:
    # "hospital" is half of another plan's "Hospital Beds", a policy the conversation's plan does not have
    first = "Does SFHP cover acupuncture for my chronic back pain?"
    u = engine.reader.read("can they do it while I'm admitted in the hospital?", [first])
    assert u.payers == ("San Francisco Health Plan",) and "acupuncture" in u.doc_keys[0] and u.subject_guessed
    answer = engine.ask("can they do it while I'm admitted in the hospital?", history=[first])
    # (a guess at the subject: the passages, never a "covered")
    assert answer.route is None and answer.verdict not in POSITIVE
    # a whole title is a new subject: the plan has no policy on it
    assert engine.ask("and hospital beds?", history=[first]).route == "not_in_corpus"


def test_each_service_a_titles_bracketed_list_names_is_named_by_it(engine: AnswerEngine) -> None:
    # "Facet Joint Interventions (Facet Joint Injections, Medial Branch Blocks and Radiofrequency Ablation)"
    u = engine.reader.read("Prominence HMO member is scheduled for an epidural steroid injection and a facet injection "
                           "on the same day. Is that covered?", [])
    assert u.doc_keys and "prominence" in u.doc_keys[0]
    u = engine.reader.read("prominence health plan - will they cover burning the nerves in my lower back? doc did 2 "
                           "numbing shots and both worked great", [])
    assert u.doc_keys and "prominence" in u.doc_keys[0]


def test_the_plans_a_parent_runs_and_a_logos_name_are_read_as_the_members_say_them(engine: AnswerEngine) -> None:
    payers = {Path(p.source).name.split("-")[0]: p.meta.payer for p in engine.index.policies.values()}
    assert payers["passport"] == "Passport Health Plan"  # "Molina Clinical Policy ... Passport Health Plan by Molina"
    assert payers["trillium"] == "Trillium Community Health Plan"  # "trillium" above "Community Health Plan"
    assert payers["simply"] == "Simply Healthcare Plans"
    assert engine.reader.read("Does Passport cover a breast lift?", []).payers == ("Passport Health Plan",)


def test_items_of_a_list_that_blank_lines_interrupt_keep_their_own_lead_in(engine: AnswerEngine) -> None:
    # BCBSKS writes "B. Botulinum toxin is considered investigational for the following conditions:" and its items after
    # a blank line, below a "Continuation: ... may be considered medically necessary" paragraph of section A
    for question in ["BCBSKS Botox for episodic migraine, pt has about 8 headache days a month",
                     "blue cross of kansas - do they cover botox in my jaw for clenching and TMJ pain"]:
        answer = engine.ask(question)
        assert (answer.verdict, answer.citations[0].policy_id) == ("investigational", "MP-5.01.05")


def test_the_questions_most_telling_word_named_only_by_an_exception_decides(engine: AnswerEngine) -> None:
    # the criteria statement names "lumbar" and "radicular"; only the investigational item names "etanercept"
    answer = engine.ask("Does Baptist Health Plan cover an epidural injection of etanercept for lumbar radiculopathy?")
    assert answer.verdict == "investigational"
    assert any("etanercept" in c.quote for c in answer.citations)
    # with no exception naming it, the statement that names the asked use still answers
    answer = engine.ask("Does Baptist Health Plan cover an epidural steroid injection for lumbar radiculopathy?")
    assert answer.verdict == "covered_with_criteria"


def test_lay_words_for_removing_tonsils_and_for_vaping_name_what_policies_write(engine: AnswerEngine) -> None:
    u = engine.reader.read("does meridian pay to get my sons tonsils out? he snores real bad", [])
    assert "tonsillectomi" in u.content
    u = engine.reader.read("QualChoice member quit vaping 3 weeks ago. Does that meet the nicotine requirement?", [])
    assert "nicotin" in u.content and "tape" not in u.content


def test_a_plan_the_corpus_never_writes_is_not_loaded_even_when_no_title_names_the_service(engine: AnswerEngine) -> None:
    # "Enterra" is written only in passing; "covered by HMSA" names a plan that no loaded policy writes
    answer = engine.ask("Is Enterra therapy for gastroparesis covered by HMSA?")
    assert answer.route == "not_in_corpus" and "HMSA" in answer.answer



def test_a_title_sharing_only_the_condition_after_for_is_no_same_service(engine: AnswerEngine) -> None:
    # "Hypoglossal Nerve Stimulation for Obstructive Sleep Apnea" and Quartz's sleep testing policy share "sleep apnea",
    # the condition; Quartz has no policy on the stimulator, and its sleep testing policy names it only as a surgery
    # whose response a repeat study may evaluate
    services = engine.reader._services
    hgns, sleep = "corpus/ucare-mp-031-hypoglossal-nerve-stimulation.html", "corpus/quartz-mp-146-sleep-testing.html"
    assert services._same_service([(hgns, 1.0)], {sleep}) == []
    assert services._head_words(hgns) >= {"hypogloss", "nerv"} and "apnea" not in services._head_words(hgns)


def test_a_bmi_rule_that_states_its_own_position_answers_with_it(engine: AnswerEngine) -> None:
    # "Bariatric surgery for a member with a BMI below 35 kg/m2 ... is not a covered OHP benefit" follows another
    # statement's criteria; its own position answers a BMI of 33
    answer = engine.ask("I'm on the Oregon Health Plan through Trillium. My BMI is 33 and I have type 2 diabetes. "
                        "Can I get weight loss surgery covered?")
    assert answer.verdict == "not_covered"


def test_a_procedure_whose_own_bmi_rule_is_not_met_gets_no_covered(engine: AnswerEngine) -> None:
    # "Biliopancreatic diversion with duodenal switch (BPD/DS), only for adults with a BMI of 50 kg/m2 or greater": the
    # main criteria's "BMI of 40 or greater" does not make a duodenal switch at BMI 46 covered
    answer = engine.ask("what about a duodenal switch for someone with a BMI of 46?",
                        history=["Does BCBSMS cover sleeve gastrectomy for adults with a BMI over 40?"])
    assert answer.verdict not in POSITIVE
    assert "duodenal switch" in answer.citations[0].quote


def test_a_later_turn_is_asked_of_the_plan_the_conversation_named(engine: AnswerEngine) -> None:
    # the second turn names no plan; the third names a service (PRP) the plan has no policy of its own on, which its
    # knee arthroscopy policy states: never another plan's PRP policy
    history = ["Is knee arthroscopy covered by Clever Care?", "What about a meniscus repair?"]
    answer = engine.ask("Can the surgeon inject PRP during the repair to help it heal?", history=history)
    assert {c.payer for c in answer.citations} <= {"Clever Care Health Plan"}
    # a turn with no subject of its own ("What pain score is needed?") goes on with the conversation's, never with a
    # policy found for its words alone
    history = ["Is kyphoplasty covered by IVHP for an osteoporotic fracture?", "What pain score is needed?"]
    answer = engine.ask("What if the pain is well controlled with meds and a brace?", history=history)
    assert answer.citations and answer.citations[0].policy_id == "IVHP-MP-041"


def test_the_named_plans_policy_whose_statements_name_the_service_before_another_plans_brushing_title(
        engine: AnswerEngine) -> None:
    # "lift" brushes another plan's "Blepharoplasty and Brow Lift"; Arizona Complete Health's panniculectomy policy
    # states its position on a lower body lift
    answer = engine.ask("Does Arizona Complete Health cover a lower body lift after massive weight loss?")
    assert answer.route is None and answer.citations[0].policy_id == "AZ.CP.MP.548"
    assert answer.verdict not in POSITIVE


@pytest.mark.parametrize(("question", "policy_id"), [
    # "chronic daily headache that does not meet the definition of chronic migraine" leaves chronic migraine out
    ("Is Botox for chronic migraine covered by Blue Cross and Blue Shield of Kansas?", "MP-5.01.05"),
    # "rheumatoid or other inflammatory arthritis" is no osteoarthritis: the lay reading of "arthritis" reads questions
    ("Is genicular nerve radiofrequency ablation covered by Jefferson Health Plans for knee osteoarthritis?", "MN.047.B"),
    # "Mild or moderate persistent asthma" is another case than severe asthma
    ("CHP - bronchial thermoplasty for severe persistent asthma in an adult, covered?", "MCG-112"),
    # "C. Dorsal Root Ganglion (DRG) Stimulation" heads its part; its paragraph's first sentence covers CRPS
    ("Does AultCare cover dorsal root ganglion stimulation for CRPS in the lower leg?", "MP-SURG-031"),
    # a paragraph under item 1 ("Wagner grade 1 and grade 2 ... not medically necessary") leads in none of items 2-6
    ("Is HBOT for radiation cystitis covered under Gundersen Health Plan?", "MP031"),
    # "... for unilateral hearing loss in a child younger than 5 years is investigational" is about an age group the
    # question does not name
    ("Does Sanford Health Plan cover cochlear implants for single sided deafness?", "SHP-MP-0218"),
])
def test_the_covered_use_is_not_read_from_a_statement_about_another_case(
        engine: AnswerEngine, question: str, policy_id: str) -> None:
    answer = engine.ask(question)
    assert answer.citations[0].policy_id == policy_id
    assert answer.verdict == "covered_with_criteria"


def test_an_age_group_the_question_names_is_not_a_mere_condition(engine: AnswerEngine) -> None:
    answer = engine.ask("Does Sanford Health Plan cover cochlear implants for single sided deafness in a 3 year old child?")
    assert answer.verdict not in POSITIVE


def test_a_measured_trial_in_a_covered_sentence_is_a_criterion(engine: AnswerEngine) -> None:
    # "... that causes severe pain despite at least 6 weeks of non-surgical management"
    answer = engine.ask("Does Inter Valley cover vertebroplasty for an aggressive vertebral hemangioma?")
    assert answer.verdict == "covered_with_criteria"



@pytest.mark.parametrize(("question", "start"), [
    ("How does Texas Children's Health Plan define profound hearing loss?", "Profound hearing loss: pure-tone average"),
    ("How does WellFirst Health define osseointegration?", "The direct structural connection"),
])
def test_a_definition_question_gets_the_sentence_that_defines_the_term(
        engine: AnswerEngine, question: str, start: str) -> None:
    answer = engine.ask(question)
    assert answer.route is None
    assert start in answer.citations[0].quote


def test_a_statement_about_one_kind_of_the_service_is_no_catch_all_for_every_use(engine: AnswerEngine) -> None:
    # "Home UVA units and home PUVA are not covered." says nothing of excimer laser for eczema; the policy's own
    # catch-all ("... for any condition not listed in Section VI.B is considered investigational") does
    answer = engine.ask("what about excimer laser for eczema on the hands?",
                        history=["Does Partnership HealthPlan cover phototherapy for psoriasis?"])
    assert answer.verdict == "investigational"
    assert not any(c.quote.startswith("Home UVA units") for c in answer.citations[:1])


def test_a_plans_initials_in_lower_case_name_it(engine: AnswerEngine) -> None:
    # "bcnepa", written as members type it, is no word of the language or the corpus: Blue Cross of Northeastern PA
    u = engine.reader.read("bcnepa deep TMS for OCD - covered?", [])
    assert u.payers == ("Blue Cross of Northeastern Pennsylvania",)
    assert engine.reader.read("is acupuncture covred for my back", []).payers == ()



@pytest.mark.parametrize(("question", "policy_id"), [
    # a plan's short name no table knows, written by one of nine acupuncture policies
    ("EHP acupuncture for knee OA: after the first 6 visits, what has to be documented to keep going?", "CMS07.12"),
    # a brand of the plan that one of ten hyperbaric policies names
    ("Clear Health Alliance member asking about mild hyperbaric therapy in a soft-sided chamber. Covered?", "MED.00006"),
    # a plan's name that is an everyday word, lower case ("scan"): the policy that writes it, and the case, come first
    ("scan npwt criteria for a stage 4 sacral pressure ulcer?", "MP-1052"),
])
def test_a_question_naming_no_known_plan_lists_first_the_policy_that_writes_its_words(
        engine: AnswerEngine, question: str, policy_id: str) -> None:
    answer = engine.ask(question)
    assert answer.route is None and answer.citations[0].policy_id == policy_id


@pytest.mark.parametrize(("question", "policy_id"), [
    ("does texas childrens health plan cover the ear implant for ringing in the ears (tinitus)?", "UM-MP-112"),
    ("does samaratin cover the needle thing my PT does, dry needeling?", "SHP-MCP-118"),
    ("will san joaquin health plan cover the procedure where they make little cuts to pull out the bulging veins?",
     "MP-UM-022"),
])
def test_a_plan_said_loosely_is_answered_from_its_own_policy(engine: AnswerEngine, question: str,
                                                             policy_id: str) -> None:
    answer = engine.ask(question)
    assert answer.route is None and set(_policy_ids(answer)) == {policy_id}


@pytest.mark.parametrize(("question", "history", "item"), [
    ("what about for cancer pain?",
     ["Does Asuris Northwest Health cover a spinal cord stimulator for failed back surgery syndrome?"],
     "C. Cancer-related pain"),
    ("simply healthcare hbot for autism?", [], "- Autism spectrum disorder;"),
])
def test_a_use_a_catch_all_lists_is_quoted_with_its_lead_in(engine: AnswerEngine, question: str, history: list[str],
                                                          item: str) -> None:
    """ "... investigational for all other indications, including but not limited to: ... C. Cancer-related pain": the
    position and the named use are read together, as for any other list."""
    answer = engine.ask(question, history=history)
    first = answer.citations[0].quote
    assert answer.verdict == "investigational"
    assert "including but not limited to" in first and first.endswith(item)


def test_dates_kept_at_the_policys_end_answer_when_the_header_has_none(engine: AnswerEngine) -> None:
    # Sentara's header gives the effective date; its review dates close the policy
    answer = engine.ask("When was Sentara's bone growth stimulator policy DME 16 last reviewed?")
    assert answer.citations[0].quote == "Reviewed Dates:    05/14/2025; 05/2024; 05/2023; 05/2022"


def test_a_plan_named_by_a_service_abbreviation_is_no_plan(engine: AnswerEngine) -> None:
    # "VNS" is vagus nerve stimulation in a corpus with VNS policies, not VNS Health
    answer = engine.ask("How many seizure medications does the patient have to have failed before a VNS implant gets "
                        "approved?")
    assert answer.route is None and "VNS Health Health Plans" not in {c.payer for c in answer.citations}


@pytest.mark.parametrize("question", ["Does Novitas cover radiofrequency ablation of the lumbar facet joints?",
                                      "novitas facet joint nerve burning for low back pain covered?"])
def test_a_medicare_contractor_named_short_is_medicare(engine: AnswerEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.route is None and _policy_ids(answer)[:1] == ["L38773"]


def test_a_contractors_lcd_is_its_own_and_medicares(engine: AnswerEngine) -> None:
    # the LCD's payer is the contractor that wrote it; a question naming the program it serves reaches it too
    payers = {p.meta.payer for p in engine.index.policies.values() if p.meta.policy_id == "L38773"}
    assert payers == {"Novitas Solutions"}
    assert "Novitas Solutions" in engine.reader.read("Does Medicare cover facet joint radiofrequency ablation?", []).payers


@pytest.mark.parametrize(("question", "route"), [
    # a leading acronym no policy writes names a plan, even before a service only partly named
    ("HMSA portable oxygen concentrator coverage criteria?", "not_in_corpus"),
])
def test_a_plan_named_first_by_letters_no_policy_writes(engine: AnswerEngine, question: str, route: str) -> None:
    assert engine.ask(question).route == route


def test_a_code_the_named_plans_policy_lists_picks_it(engine: AnswerEngine) -> None:
    # the other words ("prior auth", "Hoosier Care Connect") name no title; the code and the plan decide
    answer = engine.ask("Do I need prior auth for K0606 for an MHS Hoosier Care Connect member?")
    assert answer.route is None and _policy_ids(answer)[:1] == ["IN.CP.MP.356"]


def test_a_one_word_plan_said_in_two(engine: AnswerEngine) -> None:
    assert engine.reader.read("md wise cover aba for my 3 yr old?", []).payers == ("MDwise",)


def test_a_negative_statement_read_on_the_words_the_statements_name(engine: AnswerEngine) -> None:
    # "bite" is written only where the policy lists side effects: the statement on prefabricated appliances answers
    answer = engine.ask("Member asks whether Regence covers a prefabricated boil-and-bite oral appliance for "
                        "obstructive sleep apnea.")
    assert answer.verdict == "not_medically_necessary"
    assert "Prefabricated oral appliances are considered not medically necessary" in answer.citations[0].quote


def test_a_new_auth_asks_about_prior_approval(engine: AnswerEngine) -> None:
    answer = engine.ask("Presbyterian TMS - patient relapsed and needs a second course. Do we need a new auth?")
    assert answer.verdict is None


def test_how_long_asks_for_a_measure_and_names_no_long_bone(engine: AnswerEngine) -> None:
    u = engine.reader.read("How long does a Trillium member have to be off cigarettes before bariatric surgery?", [])
    assert "long" not in u.indication and "cigarett" in u.indication
    assert "long" in engine.reader.read("Does Trillium cover a bone stimulator for a long bone nonunion?", []).indication


def test_a_listed_use_that_names_the_service_is_said_once_to_a_member(engine: AnswerEngine) -> None:
    answer = engine.ask("I'm on Jefferson Health Plans Medicaid and my orthopedist wants to give me Synvisc in my left "
                        "knee for arthritis. Will they pay for it?", audience="member")
    assert "for for" not in answer.answer.lower()
    assert "(Viscosupplementation) for Osteoarthritis of the Knee" in answer.answer  # the title read whole


def test_a_line_of_business_no_statement_names_does_not_decide(engine: AnswerEngine) -> None:
    from retrieval.answer.finders.coverage import _deciding

    key = next(k for k, v in engine.views.items() if v.record.meta.policy_id == "DR.019.C")
    view = engine.views[key]
    assert _deciding(["medicaid", "osteoarthr"], view) == ["osteoarthr"]


def test_a_case_named_by_what_it_lacks_does_not_name_it(engine: AnswerEngine) -> None:
    # "Painful periods (dysmenorrhea) or pelvic pain without heavy menstrual bleeding" is no case of heavy bleeding
    answer = engine.ask("Does McLaren Health Plan cover endometrial ablation for heavy periods?")
    assert answer.verdict == "covered_with_criteria"
    assert "heavy or prolonged menstrual bleeding" in " ".join(answer.citations[0].quote.split())


def test_who_orders_it_and_which_side_are_not_what_is_asked(engine: AnswerEngine) -> None:
    u = engine.reader.read("my orthopedist wants to give me Synvisc in my left knee for arthritis, will Jefferson "
                           "Health Plans pay?", [])
    assert "orthopedist" not in u.indication and "left" not in u.indication and "synvisc" in u.indication
    u = engine.reader.read("Total Health Care - what if only one side is bigger and it has nothing to do with cancer?", [])
    assert "cancer" in u.negated


def test_a_plan_by_the_names_its_policy_pairs_with_its_own(engine: AnswerEngine) -> None:
    # the policy writes "University Health Alliance (UHA Health Insurance)" and "MedStar Family Choice (MFC)"
    for question in ["Is electroacupuncture covered by University Health Alliance?", "Does UHA cover acupuncture for nausea?"]:
        answer = engine.ask(question)
        assert answer.route is None and answer.citations[0].policy_id == "MP-12.004"
    assert engine.ask("Does MFC cover a home sleep test for an adult?").citations[0].policy_id == "MP.061.MFC"


def test_a_service_another_plans_title_names_beside_this_plans_is_not_this_plans(engine: AnswerEngine) -> None:
    # "Acupuncture, Electroacupuncture and Dry Needling" (UHA) shares "acupuncture" with BCBSM's "Acupuncture", but dry
    # needling is not what BCBSM's policy is about
    assert engine.ask("Does BCBSM cover dry needling for myofascial neck pain?").route == "not_in_corpus"


def test_a_catch_all_on_one_of_the_titles_services_answers_for_that_one_only(engine: AnswerEngine) -> None:
    # "UHA considers dry needling of myofascial trigger points experimental/investigational for all indications." in a
    # policy titled "Acupuncture, Electroacupuncture and Dry Needling"
    assert engine.ask("Does UHA cover dry needling for shoulder pain?").verdict == "investigational"
    assert engine.ask("Does UHA cover acupuncture for chronic low back pain?").verdict != "investigational"


def test_a_measure_that_fails_a_criterion_takes_the_policys_own_other_side_of_those_criteria(engine: AnswerEngine) -> None:
    # "Heel pain has been present for at least six (6) months" fails; the policy says what then: "Custom-molded foot
    # orthotics for plantar fasciitis that does not meet all of the criteria in Section II.B.2 are not Medically Necessary."
    answer = engine.ask("Member has plantar fasciitis, heel pain for 3 months. Podiatrist is requesting custom orthotics. "
                        "Does CalOptima cover it?")
    assert answer.verdict == "not_medically_necessary"
    quotes = " ".join(c.quote for c in answer.citations[:2])
    assert "does not meet all of the criteria" in quotes and "six (6) months" in quotes


# --- a study or a trial that is the service; a measure's failure; "X alone" -------------------------------------------
@pytest.mark.parametrize("question", ["cfhp - i lost 60 lbs since my sleep study, will they cover a new one?",
                                      "When will GlobalHealth allow a repeat sleep study after weight loss?",
                                      "Member's SCS trial gave 35% relief. Will BCBSIL approve the permanent implant?"])
def test_a_sleep_study_or_a_stimulator_trial_asks_for_no_evidence(engine: AnswerEngine, question: str) -> None:
    assert engine.reader.read(question).intent != "evidence"
    assert engine.reader.read("What trials does Blue Cross NC cite for SI joint fusion?").intent == "evidence"


def test_a_measure_below_the_bound_is_answered_by_the_policys_own_statement_of_that_failure(
        engine: AnswerEngine) -> None:
    # "At least 50% reduction in pain intensity" is the criterion; "Permanent implantation ... after a trial that did
    # not provide at least 50% pain relief" is listed as not medically necessary
    answer = engine.ask("the trial only helped my pain about 25%. will they still put in the permanent one?",
                        history=["Does Carolina Complete Health cover spinal cord stimulation for CRPS?"])
    assert answer.verdict == "not_medically_necessary"
    assert "did not provide at least 50% pain relief" in answer.citations[0].quote


def test_a_finding_with_the_rest_said_absent_is_answered_by_the_policys_alone_statement(engine: AnswerEngine) -> None:
    answer = engine.ask("I have MedStar Family Choice. I snore loudly but I'm not sleepy and have no other problems. "
                        "Will they pay for a sleep study?")
    assert answer.verdict == "not_medically_necessary"
    assert "snoring alone" in answer.citations[0].quote


def test_a_plan_asked_by_the_short_name_its_policy_states_positions_under(engine: AnswerEngine) -> None:
    # the policy is Community Health Options'; it writes "Health Options considers ..."
    answer = engine.ask("Does Health Options cover VenaSeal for varicose veins?")
    assert answer.route is None and _policy_ids(answer)[0] == "MP-0027"


@pytest.mark.parametrize("question, payer", [
    ("Will Blue Cross of Northeastern PA keep paying for TMS?", "Blue Cross of Northeastern Pennsylvania"),
    ("Does Community Health Plan of WA cover TMS?", "Community Health Plan of Washington")])
def test_a_plan_whose_name_ends_in_a_state_is_named_with_the_states_short_form(
        engine: AnswerEngine, question: str, payer: str) -> None:
    assert engine.reader.read(question).payers == (payer,)


def test_an_age_the_policy_excludes_for_the_service_decides_over_one_criterions_age(engine: AnswerEngine) -> None:
    # "Repositioning is not required for a member who is 6 months of age or older" fits a 20-month-old; "A cranial
    # remolding orthosis started before 3 months of age or after 18 months of age" is the policy's negative position
    answer = engine.ask("Cook Children's member is 20 months old with positional plagiocephaly. "
                        "Is a cranial remolding helmet covered?")
    assert answer.verdict == "not_medically_necessary"
    assert any("after 18 months of age" in c.quote for c in answer.citations[:2])


def test_a_near_tie_is_read_the_safer_way_before_the_list_item_bonus_when_criteria_are_in_doubt(
        engine: AnswerEngine) -> None:
    answer = engine.ask("CalViva member, type 2 diabetes on metformin only, no history of lows. Is a Dexcom covered?")
    assert answer.verdict not in POSITIVE


def test_what_the_question_says_is_absent_counts_where_a_statement_writes_it_absent(engine: AnswerEngine) -> None:
    answer = engine.ask("will aspirus pay me back for the dexcom stelo sensor i bought at walgreens without a prescription")
    assert answer.verdict == "not_covered"


def test_a_contraction_is_no_indication_word(engine: AnswerEngine) -> None:
    u = engine.reader.read("Does Partnership cover UVB light therapy for psoriasis after topical steroids didn't work?")
    assert "didn't" not in u.indication


def test_a_short_form_written_in_capitals_is_no_misspelling(engine: AnswerEngine) -> None:
    u = engine.reader.read("Driscoll CHIP member, fluid in both ears, ENT wants ear tubes. Is the adenoidectomy covered?")
    assert "bent" not in u.expanded.split()
    # a question written all in capitals still has its misspellings read
    assert "prolotherapy" in engine.reader.read("IS PROLOTHERAPHY COVRED BY UHC").expanded


def test_an_html_list_nested_in_an_item_is_that_items_list(engine: AnswerEngine) -> None:
    answer = engine.ask("IEHP - cochlear implant for single-sided deafness in a 3 year old, covered?")
    assert answer.verdict == "investigational"


def test_a_positive_statement_about_the_non_kind_does_not_answer_the_asked_kind(engine: AnswerEngine) -> None:
    # "Presbyterian considers a noninvasive non-spinal electrical bone growth stimulator medically necessary when ...
    # Nonunion of a fracture of an appendicular bone (for example, the humerus ...)" is not about an implanted one
    answer = engine.ask("Presbyterian Health Plan: is an implanted (invasive) bone growth stimulator covered for a "
                        "humerus nonunion?")
    assert answer.verdict == "investigational"


def test_a_heading_naming_no_section_after_the_statements_heads_a_part_of_them(engine: AnswerEngine) -> None:
    # MedStar's "Attended Facility-Based Polysomnography (PSG)" part under its POLICY holds the statement for children
    answer = engine.ask("Will MedStar Family Choice approve a sleep study for my 4 year old with Down syndrome before "
                        "the ENT takes out his tonsils and adenoids?")
    assert answer.verdict == "covered_with_criteria"
    assert any("Down syndrome" in c.quote for c in answer.citations[:2])
