"""Masking of personal identifiers, and the feedback log that relies on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.feedback import FeedbackLog
from retrieval.privacy import contains_identifier, mask
from retrieval.settings import Settings


@pytest.mark.parametrize(("text", "masked"), [
    # SSNs
    ("SSN 123-45-6789", "SSN [SSN]"),
    ("ssn is 123 45 6789.", "ssn is [SSN]."),
    ("social 123456789", "social [NUMBER]"),
    # phone numbers
    ("call me at 515-555-0100", "call me at [PHONE]"),
    ("(515) 555-0100 or 515.555.0100", "[PHONE] or [PHONE]"),
    ("+1 515 555 0100 after 5", "[PHONE] after 5"),
    ("5155550100", "[NUMBER]"),
    # dates of birth and other full dates
    ("DOB 01/02/1980", "DOB [DATE]"),
    ("born 1-2-80", "born [DATE]"),
    ("date of birth 1980-01-02", "date of birth [DATE]"),
    ("born March 3, 1975", "born [DATE]"),
    ("born 3rd of March 1975", "born [DATE]"),
    ("born Sept. 30 1975", "born [DATE]"),
    # member ids
    ("my member id is W123456789 and it was denied", "my member id is [MEMBER_ID] and it was denied"),
    ("Member ID: XYZ 1234 5678 please", "Member ID: [MEMBER_ID] please"),
    ("subscriber # ABC-123-456 ok", "subscriber # [MEMBER_ID] ok"),
    ("Medicare number 1EG4-TE5-MK72 today", "Medicare number [MEMBER_ID] today"),
    ("group no. 00123456", "group no. [MEMBER_ID]"),
    ("id W123456789", "id [MEMBER_ID]"),
    ("card XYZ-12345678", "card [MEMBER_ID]"),
    # e-mail
    ("write to jane.doe+plan@example.com", "write to [EMAIL]"),
    # several at once
    ("Caller W123456789 (DOB 01/02/1980, 515-555-0100, SSN 123-45-6789) asks",
     "Caller [MEMBER_ID] (DOB [DATE], [PHONE], SSN [SSN]) asks"),
])
def test_identifiers_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert contains_identifier(text)


@pytest.mark.parametrize("text", [
    "Is prolotherapy covered under policy 02.01.18?",
    "HCPCS M0076 and CPT 20550, 20551 or 97810-97814",
    "ICD-10 M17.11 knee osteoarthritis",
    "policies PHP-MED-0142, NWM-2.01.16, CHA-MP-0318 and BH-DME-027",
    "When was it last reviewed? Reviewed: October 2020; Original Effective Date: November 1996",
    "BMI of 35 to 39.9 with 2 comorbidities, 15-minute units, age 13",
    "What changed in 2019?",
])
def test_policy_words_codes_and_month_year_dates_are_kept(text: str) -> None:
    assert mask(text) == text
    assert not contains_identifier(text)


@given(st.text(alphabet=st.characters(categories=["L", "Zs"], max_codepoint=0x24F) | st.sampled_from("?,.!'-")))
def test_text_without_digits_or_at_signs_is_never_changed(text: str) -> None:
    assert mask(text) == text


@given(st.integers(100, 999), st.integers(10, 99), st.integers(1000, 9999), st.sampled_from(["-", " "]),
       st.sampled_from(["", "my ssn is ", "SSN: "]))
def test_every_dashed_or_spaced_ssn_is_masked(area: int, group: int, serial: int, sep: str, lead: str) -> None:
    ssn = f"{area}{sep}{group}{sep}{serial}"
    masked = mask(f"{lead}{ssn} for prolotherapy")
    assert ssn not in masked and "[SSN]" in masked


# ---------------------------------------------------------------- feedback log
def test_feedback_is_appended_masked_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "feedback" / "feedback.jsonl"
    log = FeedbackLog.from_settings(Settings(feedback_path=path))
    first = log.record(answer_id="a1", rating="up", question="SSN 123-45-6789: is prolotherapy covered?",
                       audience="member", verdict="investigational", policies=["02.01.18", "02.01.18", "NWM-2.01.05"])
    log.record(answer_id="a1", rating="down", question="SSN 123-45-6789: is prolotherapy covered?", audience="member")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[0] == {
        "answer_id": "a1", "rating": "up", "audience": "member", "question": "SSN [SSN]: is prolotherapy covered?",
        "verdict": "investigational", "route": None, "policies": ["02.01.18", "NWM-2.01.05"], "at": first.at,
        "reasons": [], "comment": None,
    }
    assert "123-45-6789" not in path.read_text(encoding="utf-8")
    assert log.read()[0] == first


def test_thumbs_down_reasons_and_comment_are_stored_masked_and_checked(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.jsonl")
    entry = log.record(answer_id="a1", rating="down", question="q", audience="member",
                       reasons=["wrong_verdict", "unclear", "wrong_verdict"], comment="  my SSN is 123-45-6789  ")
    assert entry.reasons == ("wrong_verdict", "unclear") and entry.comment == "my SSN is [SSN]"
    assert log.read() == [entry]
    assert log.record(answer_id="a2", rating="down", question="q", audience="rep", comment="   ").comment is None
    with pytest.raises(ValueError, match="'because'"):
        log.record(answer_id="a1", rating="down", question="q", audience="rep", reasons=["because"])


def test_feedback_rating_must_be_up_down_or_none(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.jsonl")
    with pytest.raises(ValueError, match="'sideways'"):
        log.record(answer_id="a1", rating="sideways", question="q", audience="rep")
    assert log.read() == []
    log.record(answer_id="a1", rating=None, question="q", audience="rep")  # the user took their rating back
    assert log.read()[0].rating is None
