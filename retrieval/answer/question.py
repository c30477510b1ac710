"""Reads a question: what is asked, about which service, indication, payer, policy and codes; follow-ups via history.

The only code that reads the raw question text: every later stage works from the typed `Understanding`.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from rapidfuzz import fuzz, process

from .. import lexicon
from ..models import Intent
from .payers import PayerNames
from .understanding import Understanding
from .words import (
    WORD,
    _content_words,
    abbreviations,
    expand,
    non_indication,
    synonyms,
    title_phrases,
)

_CODE = re.compile(r"\b(?:[A-Z]\d{4}|\d{4}[0-9A-Z])\b", re.I)
_POLICY_NUMBER = re.compile(r"\b(?:[A-Z]{2,5}-)*[A-Z]{0,5}-?\d+(?:[.\-]\d+)+\b", re.I)


def _cue(group: str) -> re.Pattern[str]:
    return lexicon.pattern("questions", group)


class QuestionReader:
    """Built once per loaded index: knows the corpus's services, payers, policy ids and vocabulary."""

    def __init__(self, policies: dict, vocabulary: dict[str, int], profiles: dict[str, str] | None = None):
        self._policies = policies
        self._order = {key: n for n, key in enumerate(policies)}
        self._vocab = vocabulary
        self._stem_vocab = set(_content_words(" ".join(vocabulary)))
        self._vocab_words: list[str] = []  # filled below from titles, aliases and statements: the words worth correcting to
        self._payer_names = PayerNames(p.meta.payer for p in policies.values())
        self._keys_by_payer: dict[str, set[str]] = {}
        for key, p in policies.items():
            self._keys_by_payer.setdefault(p.meta.payer, set()).add(key)
        self._service_words: dict[str, list[set[str]]] = {}
        document_frequency: dict[str, int] = {}
        for key, p in policies.items():
            phrases = [*title_phrases(p.meta.title), *p.meta.aliases]
            sets = [set(_content_words(expand(phrase.lower()))) for phrase in phrases]
            self._service_words[key] = [s for s in sets if s]
            for word in set().union(*sets) if sets else set():
                document_frequency[word] = document_frequency.get(word, 0) + 1
        generic = lexicon.words("questions", "generic_title")
        self._weight = {
            w: (0.3 if w in generic else 1.0) / max(1, document_frequency.get(w, 1)) ** 0.5
            for w in document_frequency
        }
        # What each policy is about beyond its title: the words of its coverage statements and their lists.
        self._profiles = {key: set(_content_words(expand(text.lower()))) for key, text in (profiles or {}).items()}
        frequency: dict[str, int] = {}
        for words in self._profiles.values():
            for word in words:
                frequency[word] = frequency.get(word, 0) + 1
        n = max(1, len(self._profiles))
        self._profile_idf = {w: math.log(1 + n / f) for w, f in frequency.items()}
        surface: set[str] = set()
        for p in policies.values():
            surface |= set(WORD.findall(" ".join([p.meta.title, *p.meta.aliases]).lower()))
        for text in (profiles or {}).values():
            surface |= set(WORD.findall(text.lower()))
        self._vocab_words = sorted(w for w in surface if len(w) >= 4 and not w.isdigit())
        # Indexes built once, so a question costs the same at 10 policies and at 1,000: policy ids by their first
        # characters, each service word and each profile word to the policies that use it, one pattern for the payers.
        self._ids_by_prefix: dict[str, list[str]] = {}
        self._short_ids: list[str] = []
        for p in policies.values():
            policy_id = (p.meta.policy_id or "").lower()
            if len(policy_id) >= _ID_PREFIX:
                self._ids_by_prefix.setdefault(policy_id[:_ID_PREFIX], []).append(policy_id)
            elif policy_id:
                self._short_ids.append(policy_id)
        self._id_order = {}
        for n, p in enumerate(policies.values()):
            self._id_order.setdefault((p.meta.policy_id or "").lower(), (n, p.meta.policy_id))
        self._by_service_word: dict[str, set[str]] = {}
        for key, phrase_sets in self._service_words.items():
            for phrase in phrase_sets:
                for word in phrase:
                    self._by_service_word.setdefault(word, set()).add(key)
        self._long_service_words = {w for w in self._by_service_word if len(w) >= 6}
        self._by_profile_word: dict[str, set[str]] = {}
        for key, words in self._profiles.items():
            for word in words:
                self._by_profile_word.setdefault(word, set()).add(key)
        self._payer_stems = set(_content_words(self._payer_names.words))

    def read(self, question: str, history: list[str] | None = None) -> Understanding:
        current = self._read_one(question)
        if not history:
            return current
        return self._with_history(current, [self._read_one(turn) for turn in history[-6:]])

    # ------------------------------------------------------------------ one turn
    def _read_one(self, question: str) -> Understanding:
        lowered = question.lower()
        corrected = self._correct_typos(lowered)
        expanded = expand(corrected)
        intent = _intent(expanded)
        date_field = None
        if intent == "dates":
            date_field = next((row["field"] for row in lexicon.rows("questions", "date_field") if row.pattern.search(expanded)),
                              "reviewed")
        payers, unknown = self._find_payers(expanded)
        codes = tuple(dict.fromkeys(c.upper() for c in _CODE.findall(question) if not c.isdigit() or len(c) == 5))
        policy_ids = self._find_policy_ids(lowered)
        scored = self._services(expanded)
        if payers:
            scored = self._named_payers_services(expanded, payers) or scored
        doc_keys = tuple(k for k, _ in scored)
        service_score = scored[0][1] if scored else 0.0
        negated = _negated(expanded)
        # what the question says is absent is not what it asks about ("with no comorbidities")
        indication = tuple(w for w in self._indication(expanded, doc_keys, payers) if w not in negated)
        content = self._indication(expanded, (), payers)
        return Understanding(
            text=question, expanded=expanded, intent=intent, date_field=date_field, doc_keys=doc_keys,
            service_score=service_score, payers=payers, unknown_payer=unknown, policy_ids=policy_ids, codes=codes,
            indication=indication, comparison=bool(_cue("comparison").search(expanded)) or len(payers) > 1, content=content,
            age=_age(question), bmi=_bmi(question), asks_what=bool(_cue("asks_what").match(question)),
            asks_when=bool(_cue("asks_when").match(question)), asks_listed=bool(_cue("asks_listed").search(question)),
            besides=bool(_cue("besides").search(question)), asks_event=bool(_cue("event").search(question)),
            asks_change=bool(_cue("asks_change").search(question)),
            asks_current_effective="effective" in lowered and not _cue("asks_original").search(lowered),
            negated=negated,
        )

    def _with_history(self, current: Understanding, earlier: list[Understanding]) -> Understanding:
        """'what about for the knee?', 'and the code?', 'when was that reviewed?' take the conversation's subject."""
        last_service = next((t for t in reversed(earlier) if t.doc_keys or t.policy_ids or t.codes), None)
        if last_service is None:
            return current
        names_subject = bool((current.doc_keys and current.service_score >= 0.5) or current.policy_ids or current.codes)
        if names_subject and not _cue("pronoun").search(current.text) and not _cue("followup").match(current.text):
            return current
        if names_subject:
            return current
        intent = current.intent
        if intent == "general":
            intent = last_service.intent if last_service.intent != "general" else "coverage"
        payers = current.payers or last_service.payers
        if current.comparison and current.payers:
            payers = tuple(dict.fromkeys(last_service.payers + current.payers))
        indication = current.indication
        content = current.content
        if not indication and intent in {"coverage", "criteria", "codes"}:
            indication = last_service.indication
            content = tuple(dict.fromkeys(last_service.content + current.content))
        doc_keys = tuple(dict.fromkeys(last_service.doc_keys + (current.doc_keys if current.comparison else ())))
        if current.comparison and current.payers:
            # "how is that different from Wellmark?": the same service, in each payer's own policy
            doc_keys = tuple(dict.fromkeys(k for k, _ in self._named_payers_services(last_service.expanded, payers))) or doc_keys
        return replace(
            current, doc_keys=doc_keys,
            service_score=last_service.service_score, payers=payers,
            policy_ids=current.policy_ids or last_service.policy_ids, intent=intent,
            date_field=current.date_field or (last_service.date_field if intent == "dates" else None),
            indication=indication, content=content, unknown_payer=current.unknown_payer or last_service.unknown_payer,
            comparison=current.comparison or last_service.comparison, from_history=True,
            expanded=f"{current.expanded} {' '.join(self._service_phrase(last_service))}",
        )

    def _service_phrase(self, turn: Understanding) -> list[str]:
        return [self._policies[k].meta.title.lower() for k in turn.doc_keys[:1] if k in self._policies]

    # ------------------------------------------------------------------ pieces
    def _correct_typos(self, lowered: str) -> str:
        """Replace words the corpus does not know by the nearest word it does ("prolotheraphy", "nee")."""
        if not self._vocab_words:
            return lowered

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if len(word) < 3 or word in self._vocab or word in non_indication() or word in synonyms() or word.isdigit():
                return word
            if any(word in phrase.split() for phrase in synonyms()):
                return word
            cutoff = 85 if len(word) <= 4 else 80
            best = process.extractOne(word, self._vocab_words, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best is None:
                return word
            candidate = best[0]
            # only for words of similar length: "nee" → "knee", never "pain" → "spain"
            return candidate if abs(len(candidate) - len(word)) <= 2 else word

        return WORD.sub(fix, lowered)

    def _find_policy_ids(self, lowered: str) -> tuple[str, ...]:
        """Policy numbers named in the question ("02.01.18"), as whole tokens, in the corpus's order."""
        found = set()
        for start in range(len(lowered) - _ID_PREFIX + 1):
            if start and (lowered[start - 1].isalnum() or lowered[start - 1] in "._"):
                continue
            for policy_id in self._ids_by_prefix.get(lowered[start:start + _ID_PREFIX], ()):
                end = start + len(policy_id)
                if lowered.startswith(policy_id, start) and not (end < len(lowered) and (lowered[end].isalnum() or lowered[end] == "_")):
                    found.add(policy_id)
        for policy_id in self._short_ids:
            if re.search(rf"(?<![\w.]){re.escape(policy_id)}(?![\w])", lowered):
                found.add(policy_id)
        return tuple(self._id_order[i][1] for i in sorted(found, key=lambda i: self._id_order[i][0]))

    def _find_payers(self, expanded: str) -> tuple[tuple[str, ...], str | None]:
        return self._payer_names.find(expanded)

    def _services(self, expanded: str, among: set[str] | None = None) -> list[tuple[str, float]]:
        """Policies whose service the question names, best first (`among`: only these policies may score)."""
        words = set(_content_words(expanded))
        # "prolotherapy for my TMJ": what follows "for" is the indication, so a service named only there ranks lower
        split = re.split(r"\b(?:for|to treat|with)\b", expanded, maxsplit=1)
        subject_words = set(_content_words(split[0])) if len(split) == 2 else words
        # only policies sharing a word with the question can score: the word itself, or a long service word inside one
        candidates: set[str] = set()
        for x in words:
            candidates |= self._by_service_word.get(x, set())
            if len(x) >= 6:
                for size in range(6, len(x) + 1):
                    for i in range(len(x) - size + 1):
                        piece = x[i:i + size]
                        if piece in self._long_service_words:
                            candidates |= self._by_service_word[piece]
        if among is not None:
            candidates &= among
        scores = []
        for key in sorted(candidates, key=self._order.__getitem__):
            phrase_sets = self._service_words[key]
            best = 0.0
            for phrase in phrase_sets:
                total = sum(self._weight.get(w, 1.0) for w in phrase)
                hit = sum(self._weight.get(w, 1.0) for w in phrase if w in words or (len(w) >= 6 and any(w in x for x in words)))
                best = max(best, hit / total if total else 0.0)
            if best >= 0.5:
                named_in_subject = any(w in subject_words for phrase in phrase_sets for w in phrase)
                scores.append((key, best if named_in_subject else best - 0.2))
        scores.sort(key=lambda kv: -kv[1])
        if scores and scores[0][1] >= 0.8:
            # the other services named only as the indication ("for my TMJ") are not candidates
            scores = [kv for kv in scores if kv[1] >= scores[0][1] - 0.1]
        if scores or not self._profiles:
            return scores
        return self._services_by_profile(words, among)

    def _named_payers_services(self, expanded: str, payers: tuple[str, ...]) -> list[tuple[str, float]]:
        """The named payers' own policies on the service, each payer's best first: "Does Aetna cover a sleeve
        gastrectomy?" looks in Aetna's policies even when another payer's title matches the words better. When the
        words match only another payer's policy ("chiropractor" and "Chiropractic Services"), the named payer's
        policy on the same service (a title sharing its distinctive words) is the one asked about."""
        out: list[tuple[str, float]] = []
        anywhere: list[tuple[str, float]] | None = None
        for payer in payers:
            own = self._keys_by_payer.get(payer, set())
            found = self._services(expanded, among=own)
            if not found:
                anywhere = self._services(expanded) if anywhere is None else anywhere
                found = self._same_service(anywhere, own)
            out += found
        return out

    def _same_service(self, matched: list[tuple[str, float]], among: set[str]) -> list[tuple[str, float]]:
        generic = lexicon.words("questions", "generic_title")
        for key, score in matched:
            if score < 0.8:
                break  # only a clear match on another payer's title says which service it is
            words = {w for phrase in self._service_words[key] for w in phrase if w not in generic}
            same = [k for k in sorted(among, key=self._order.__getitem__)
                    if words & {w for phrase in self._service_words[k] for w in phrase}]
            if same:
                return [(k, score) for k in same]
        return []

    def _services_by_profile(self, words: set[str], among: set[str] | None = None) -> list[tuple[str, float]]:
        """No title named: the policy whose statements use the question's distinctive words ("gastric balloon")."""
        payer_stems = self._payer_stems
        generic = lexicon.words("questions", "generic_service")
        unknown = {w for w in words if w not in self._stem_vocab and w not in self._profile_idf and not w.isdigit()
                   and len(w) >= 4 and w not in payer_stems and w not in generic}
        if unknown:
            return []  # "Is Ozempic covered for weight loss?": the subject is something no policy here names
        words = {w for w in words if w in self._profile_idf and w not in generic and not w.isdigit()}
        words -= self._payer_stems
        if not words:
            return []
        n = len(self._profiles)
        scores = []
        candidates = set().union(*(self._by_profile_word.get(w, set()) for w in words))
        if among is not None:
            candidates &= among
        for key in sorted(candidates, key=self._order.__getitem__):
            profile = self._profiles[key]
            hit = [w for w in words if w in profile]
            # at least one distinctive word (used by few policies) must match
            if not any(self._profile_idf[w] >= math.log(1 + n / 2) for w in hit):
                continue
            score = sum(self._profile_idf[w] for w in hit) / sum(self._profile_idf[w] for w in words)
            if score >= 0.34:
                scores.append((key, round(0.5 * score, 3)))
        scores.sort(key=lambda kv: -kv[1])
        return scores

    def _indication(self, expanded: str, doc_keys: tuple[str, ...], payers: tuple[str, ...]) -> tuple[str, ...]:
        service = set()
        for key in doc_keys:
            p = self._policies[key]
            service |= set(_content_words(expand(" ".join([p.meta.title, *p.meta.aliases]).lower())))
        # abbreviations that stand for the service itself ("prp", "scs", "cgm") are not indications either
        if service:
            for abbreviation, abbreviation_words, expansion_words in abbreviations():
                if expansion_words - {abbreviation} <= service | {abbreviation}:
                    service |= abbreviation_words
        payer_words = set(_content_words(" ".join(payers).lower()))
        words = []
        for word in _content_words(expanded):
            if word in service or word in payer_words or word in non_indication() or word.isdigit():
                continue
            if _CODE.fullmatch(word) or _POLICY_NUMBER.fullmatch(word):
                continue
            if word not in words:
                words.append(word)
        return tuple(words)


_ID_PREFIX = 4  # policy ids are looked up by their first four characters; shorter ids by a pattern each


def _negated(expanded: str) -> tuple[str, ...]:
    """Content words a negation governs: up to four words after "not", "n't", "no", "without", "never", "non"."""
    out: list[str] = []
    for match in _cue("negation").finditer(expanded):
        out += _content_words(" ".join(expanded[match.end():].split()[:4]))
    return tuple(dict.fromkeys(out))


def _age(text: str) -> int | None:
    for match in _cue("age").finditer(text):
        if re.search(r"bmi\W{0,3}$", text[max(0, match.start() - 6):match.start()], re.I):
            continue  # "my BMI is 37" is not an age
        return int(match.group(1) or match.group(2))
    return None


def _bmi(text: str) -> float | None:
    match = _cue("bmi").search(text)
    return float(match.group(1)) if match else None


def _intent(expanded: str) -> Intent:
    exceptions = {row["intent"]: row.pattern for row in lexicon.rows("questions", "intent_exception")}
    for row in lexicon.rows("questions", "intent"):
        if row.pattern.search(expanded):
            exception = exceptions.get(row["intent"])
            if exception is not None and exception.search(expanded):
                continue
            return row["intent"]
    return "general"
