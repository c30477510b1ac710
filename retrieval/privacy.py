"""Masks personal identifiers (SSNs, member ids, phone numbers, full dates, e-mail addresses) before text is stored."""

from __future__ import annotations

import re

# Order matters: the more specific shapes go first, so an SSN is never half-eaten by the phone pattern and a
# labelled member id is masked whole before the unlabelled-id patterns look at its pieces.
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[EMAIL]", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    # "member id: W1234 5678", "subscriber # ABC-123-456": everything after the label that looks like an identifier
    ("[MEMBER_ID]", re.compile(
        r"(?P<label>\b(?:member|subscriber|policy ?holder|insured|patient|group|medicare|medicaid|mbi)"
        r"(?: ?(?:id|identification|number|no\.?|#|num))+(?: is)?[\s:#.]*)"
        # one identifier, possibly in groups ("XYZ 1234 5678", "1EG4-TE5-MK72"); a following word has no digit and stays
        r"(?:[A-Za-z]{1,4}[ -]?)?\d[\dA-Za-z]{2,}(?:[ -](?=[A-Za-z]*\d)[\dA-Za-z]+)*",
        re.I,
    )),
    ("[SSN]", re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")),
    ("[PHONE]", re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])")),
    # Full dates only (day, month and year): a policy's "Reviewed: October 2020" is not personal and stays.
    ("[DATE]", re.compile(
        r"(?<![\w./-])(?:\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})|(?:19|20)\d{2}-\d{1,2}-\d{1,2})(?![\w/-])"
        rf"|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b"
        rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+(?:19|20)\d{{2}}\b",
        re.I,
    )),
    # Unlabelled ids: letters then 6+ digits ("W123456789", "XYZ-12345678"). Procedure codes (M0076, 20550) are
    # shorter and policy numbers carry dots or dashes between short groups, so neither matches.
    ("[MEMBER_ID]", re.compile(r"\b[A-Za-z]{1,4}-?\d{6,12}\b")),
    # Any other run of 9+ digits is an SSN, a phone number or an account number written without separators.
    ("[NUMBER]", re.compile(r"(?<![\w.])\d{9,}(?![\w.])")),
)


def mask(text: str) -> str:
    """`text` with every personal identifier replaced by a placeholder such as [SSN] or [PHONE]."""
    for placeholder, pattern in _PATTERNS:
        text = pattern.sub(lambda m, p=placeholder: (m.groupdict().get("label") or "") + p, text)
    return text


def contains_identifier(text: str) -> bool:
    """True when `mask` would change `text`."""
    return mask(text) != text
