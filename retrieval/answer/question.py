"""Reads a question: what is asked, about which service, indication, payer, policy and codes; follow-ups via history.

The only code that reads the raw question text: every later stage works from the typed `Understanding`.
"""

from __future__ import annotations

import functools
import os.path
import re
from collections.abc import Callable
from dataclasses import replace

from rapidfuzz import fuzz, process

from .. import lexicon
from ..models import Intent
from .payers import PayerNames, _spaced, known_payer_aliases
from .services import ServiceIndex
from .understanding import Understanding
from .words import (
    WORD,
    _content_words,
    abbreviations,
    english_words,
    expand,
    line_of_business_stems,
    non_indication,
    synonyms,
)

_CODE = re.compile(r"\b(?:[A-Z]\d{4}|\d{4}[0-9A-Z])\b", re.I)
_POLICY_NUMBER = re.compile(r"\b(?:[A-Z]{2,5}-)*[A-Z]{0,5}-?\d+(?:[.\-]\d+)+\b", re.I)


def _cue(group: str) -> re.Pattern[str]:
    return lexicon.pattern("questions", group)


class QuestionReader:
    """Built once per loaded index: knows the corpus's services, payers, policy ids and vocabulary."""

    def __init__(self, policies: dict, vocabulary: dict[str, int], profiles: dict[str, str] | None = None,
                 title_similarity: Callable[[str, str], float] | None = None,
                 policy_frequency: dict[str, int] | None = None, payer_variants: dict[str, set[str]] | None = None):
        self._policies = policies
        self._vocab = vocabulary
        self._policy_frequency = policy_frequency or {}
        self._stem_vocab = set(_content_words(" ".join(vocabulary)))
        self._vocab_words: list[str] = []  # filled below from titles, aliases and statements: the words worth correcting to
        self._payer_names = PayerNames((p.meta.payer for p in policies.values()), payer_variants, self._policy_frequency)
        # the policy an earlier turn was answered from, when its words name no service ("Does Jefferson Health Plans
        # cover Synvisc-One?" is answered from the plan's hyaluronic acid policy found by retrieval); the engine sets it
        self.resolve: Callable[[Understanding], list[str]] | None = None
        surface: set[str] = set()
        for p in policies.values():
            surface |= set(WORD.findall(" ".join([p.meta.title, *p.meta.aliases]).lower()))
        for text in (profiles or {}).values():
            surface |= set(WORD.findall(text.lower()))
        # a loaded plan's own name is worth correcting to as well ("samaratin" -> "samaritan")
        surface |= {w for name in self._payer_names.loaded for w in WORD.findall(name.lower()) if len(w) >= 6}
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
        self._services = ServiceIndex(policies, self._stem_vocab, profiles or {},
                                      set(_content_words(self._payer_names.words)), title_similarity, vocabulary)
        self._payer_stems = self._services.payer_stems
        self._payer_word_set = frozenset(self._payer_names.words.split())
        # every plan the table knows, loaded or not, is spelt as written: "Humana" is no typo of "human"
        self._plan_words = self._payer_word_set | {w for alias in known_payer_aliases() for w in alias.split()}

    def read(self, question: str, history: list[str] | None = None) -> Understanding:
        current = self._read_one(question)
        if history:
            earlier = [self._read_one(turn) for turn in history[-6:]]
            # the conversation's subject is its latest turn that names a policy, or that was answered from one: only
            # turns after that one are looked up (a lookup is a search)
            named = [bool(t.doc_keys or t.policy_ids or t.codes) for t in earlier]
            for i in reversed(range(len(earlier))):
                if named[i]:
                    break
                if any(named[:i]):
                    continue  # "What pain score is needed?" after a kyphoplasty question goes on with that subject
                earlier[i] = self._answered_from(earlier[i])
                if earlier[i].doc_keys:
                    break
            current = self._with_history(current, earlier)
        return self._finished(current)

    def _finished(self, u: Understanding) -> Understanding:
        return replace(u, plan_free=self._without_plans(u.expanded, u.payers),
                       rare_names=self._services.rare_names(set(_content_words(u.expanded))))

    def _answered_from(self, turn: Understanding) -> Understanding:
        """An earlier turn that asked about something no policy title or alias names takes the policy it was answered
        from, so that "And Monovisc?" stays with it."""
        if self.resolve is None or turn.doc_keys or turn.policy_ids or turn.codes or not turn.content:
            return turn
        keys = self.resolve(self._finished(turn))
        return replace(turn, doc_keys=tuple(keys[:1])) if keys else turn

    def writes(self, key: str, stem: str) -> bool:
        """Does the policy write the word, other than to leave it out?"""
        return self._services.writes(key, stem)

    def _without_plans(self, expanded: str, payers: tuple[str, ...]) -> str:
        """The question less the words that name a plan ("bcbsil", "arkansas blue", the named plans' own words)."""
        text = _spaced(expanded)
        for mention in sorted(set(self._payer_names.mentions(text, payers)), key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(mention)}\b", " ", text)
        named = {w for payer in payers for w in WORD.findall(payer.lower())}
        return " ".join(w for w in text.split() if w.strip("?,.!:;()'\"") not in named)

    # ------------------------------------------------------------------ one turn
    def _read_one(self, question: str) -> Understanding:
        lowered = question.lower()
        corrected = self._correct_typos(lowered, _written_short(question))
        expanded = expand(corrected)
        intent = _intent(expanded)
        date_field = _date_field(expanded) if intent == "dates" else None
        payers, unknown = self._find_payers(expanded, lowered, question)
        if not payers:
            # a loaded plan named short: by its letters ("Inland Empire Health Plan" for IEHP, "BCNEPA" for Blue Cross of
            # Northeastern Pennsylvania) or by its place said short before its tail ("san fran health plan", "SF health
            # plan"); the question then reads with the plan's own name, which is not asked about
            short = (self._payer_names.by_initials(unknown, expanded) if unknown is not None else None) \
                or self._payer_names.by_clipped_words(expanded) \
                or (self._payer_names.by_loose_words(expanded) if unknown is None or unknown not in known_payer_aliases() else None)
            if short is not None:
                plan, words = short
                expanded = re.sub(rf"\b{re.escape(words)}\b", plan.lower(), expanded, count=1)
                payers, unknown = (plan,), None
        codes = tuple(dict.fromkeys(c.upper() for c in _CODE.findall(question) if not c.isdigit() or len(c) == 5))
        policy_ids = self._find_policy_ids(lowered)
        negated, tried = _negated(expanded)
        asides = negated + tried
        scored = self._services.match(expanded, asides=asides)
        if payers:
            scored = self._services.for_payers(expanded, payers, asides=asides) or scored
        doc_keys = tuple(k for k, _ in scored)
        service_score = scored[0][1] if scored else 0.0
        if not payers and unknown is None:
            unknown = self._leading_plan(question)  # (which checks that a service follows the name)
        if not payers and unknown is None and doc_keys:
            unknown = self._named_plan(question, doc_keys)
        elif not payers and unknown is None:
            # no title names the service ("Enterra therapy ... covered by HMSA"): a plan's name the corpus never writes
            unknown = self._named_plan(question, (), corpus_words=self._vocab)
        # what the question says is absent is not what it asks about ("with no comorbidities"), nor is a treatment it says
        # failed ("who can't tolerate CPAP")
        indication = tuple(w for w in self._indication(expanded, doc_keys, payers) if w not in asides)
        content = self._indication(expanded, (), payers)
        return Understanding(
            text=question, expanded=expanded, intent=intent, date_field=date_field, doc_keys=doc_keys,
            service_score=service_score, payers=payers, unknown_payer=unknown, policy_ids=policy_ids, codes=codes,
            indication=indication, comparison=bool(_cue("comparison").search(expanded)) or len(payers) > 1, content=content,
            age=_age(question), age_months=_age_months(question), bmi=_bmi(question), asks_what=bool(_cue("asks_what").match(question)),
            asks_when=bool(_cue("asks_when").match(question)), asks_listed=bool(_cue("asks_listed").search(question)),
            besides=bool(_cue("besides").search(question)), asks_event=bool(_cue("event").search(question)),
            asks_change=bool(_cue("asks_change").search(question)),
            negated=negated, tried=tried, states_measure=bool(_cue("measure").search(lowered)),
            field_terms=tuple(dict.fromkeys(w for w in WORD.findall(lowered)
                                            if self._policy_frequency.get(w, 0) >= FIELD_TERM_POLICIES)),
        )

    def _with_history(self, current: Understanding, earlier: list[Understanding]) -> Understanding:
        """'what about for the knee?', 'and the code?', 'when was that reviewed?' take the conversation's subject."""
        last_service = next((t for t in reversed(earlier) if t.doc_keys or t.policy_ids or t.codes), None)
        if last_service is None:
            return current
        talk_payers = next((t.payers for t in reversed(earlier) if t.payers), ())
        if not last_service.payers and talk_payers:
            # "Is knee arthroscopy covered by Clever Care?", "What about a meniscus repair?": the later turn names no plan,
            # so it is asked of the plan the conversation named, and of that plan's own policy
            own = tuple(k for k, _ in self._services.for_payers(last_service.expanded, talk_payers))
            last_service = replace(last_service, payers=talk_payers, doc_keys=own or last_service.doc_keys)
        names_subject = bool((current.doc_keys and current.service_score >= 0.5) or current.policy_ids or current.codes)
        guessed = False
        if names_subject and _cue("followup").match(current.text) and not (current.payers or current.policy_ids) \
                and last_service.doc_keys and self._services.profile_names(last_service.doc_keys[0], current.content):
            # "And for PTSD?" after a TMS question: a use the conversation's policy itself names (in its statements or
            # lists), not another policy's service that happens to mention it
            names_subject = False
        if names_subject and not (current.payers or current.unknown_payer or current.policy_ids) and last_service.payers \
                and last_service.doc_keys and current.doc_keys \
                and not self._services.for_payers(current.expanded, last_service.payers):
            # "ok and avascular necrosis of the hip?" after a bone growth stimulator question: the words name another
            # policy's service (hip arthroscopy) that the conversation's plan has no policy on, and the conversation's
            # policy names them in its statements: it answers, rather than "no policy on hip arthroscopy"
            # (the words that named the other service, or the rest of the question's words: "avascular necrosis" of
            # "avascular necrosis of the hip", where "hip" named hip arthroscopy)
            title = self._services.title_words(current.doc_keys[0])
            named = tuple(w for w in current.content if w in title)
            rest = tuple(w for w in current.content if w not in title)
            if any(part and self._services.profile_names(last_service.doc_keys[0], part, share=0.75)
                   for part in (named, rest)):
                names_subject = False
        if names_subject and not (current.payers or current.unknown_payer or current.policy_ids or current.codes) \
                and last_service.payers and last_service.doc_keys:
            own = [k for k, _ in self._services.for_payers(current.expanded, last_service.payers)]
            if own[:1] == list(last_service.doc_keys[:1]):
                # "What if there's cancer in the wound?" after an NPWT question: the words lead to the conversation's
                # own policy, so the turn goes on with its subject (and the indication it asked about)
                names_subject = False
            elif not own and (current.service_score < FULL_TITLE or not self._services.match(current.expanded, profiles=False)):
                # "and if the baby is already 20 months old?" after a helmet question: no title names a service, only
                # some policies' statements use the words ("already"), and none of those is the conversation plan's:
                # the turn goes on with the conversation's subject rather than "no <plan> policy on vertebroplasty".
                # So does a turn that names only part of another plan's title ("can they do it while I'm admitted in
                # the hospital?": "Hospital Beds"); a whole title ("and hospital beds?") is a new subject.
                names_subject, guessed = False, True
        if names_subject:
            # a new service in the same conversation ("ok and what about ablating a perforator vein?") is asked of the
            # plan the conversation is about, unless this turn names another
            if current.payers or current.unknown_payer or not last_service.payers or current.policy_ids:
                return current
            payers = last_service.payers
            doc_keys = tuple(k for k, _ in self._services.for_payers(current.expanded, payers)) or current.doc_keys
            return replace(current, payers=payers, doc_keys=doc_keys)
        intent = current.intent
        if intent == "general":
            intent = last_service.intent if last_service.intent != "general" else "coverage"
        payers = current.payers or last_service.payers
        if current.comparison and current.payers:
            payers = tuple(dict.fromkeys(last_service.payers + current.payers))
        # the indication is what is left once the conversation's service is taken out, not a service this turn's words
        # happened to brush ("cancer pain" is no BRCA policy's subject in a talk about spinal cord stimulators)
        indication = tuple(w for w in self._indication(current.expanded, last_service.doc_keys, payers)
                           if w not in current.negated and w not in current.tried)
        content = current.content
        if not indication and intent in {"coverage", "criteria", "codes"}:
            indication = last_service.indication
            content = tuple(dict.fromkeys(last_service.content + current.content))
        doc_keys = tuple(dict.fromkeys(last_service.doc_keys + (current.doc_keys if current.comparison else ())))
        if current.comparison and current.payers:
            # "how is that different from Wellmark?": the same service, in each payer's own policy
            doc_keys = tuple(dict.fromkeys(k for k, _ in self._services.for_payers(last_service.expanded, payers))) or doc_keys
        return replace(
            current, doc_keys=doc_keys,
            service_score=last_service.service_score, payers=payers,
            policy_ids=current.policy_ids or last_service.policy_ids, intent=intent,
            date_field=current.date_field or (last_service.date_field if intent == "dates" else None),
            indication=indication, content=content, unknown_payer=current.unknown_payer or last_service.unknown_payer,
            comparison=current.comparison or last_service.comparison, from_history=True, subject_guessed=guessed,
            expanded=f"{current.expanded} {' '.join(self._service_phrase(last_service))}",
        )

    def _service_phrase(self, turn: Understanding) -> list[str]:
        return [self._policies[k].meta.title.lower() for k in turn.doc_keys[:1] if k in self._policies]

    # ------------------------------------------------------------------ pieces
    def _correct_typos(self, lowered: str, short_forms: frozenset[str] = frozenset()) -> str:
        """Replace words the corpus does not know by the nearest word it does ("prolotheraphy", "nee"). A short form
        the question writes in capitals ("ENT wants ear tubes") is no misspelling of a word ("bent")."""
        if not self._vocab_words:
            return lowered
        payer_words = self._plan_words

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            base = re.sub(r"['\u2019]s$", "", word)
            if len(word) < 3 or word in short_forms or word in self._vocab or word in non_indication() or word in synonyms() or word.isdigit() \
                    or word in payer_words or base in payer_words:
                return word  # "bcbsmn" names a plan: no typo of "bcbsnj"; nor does "ucare's"
            if any(word in phrase.split() and phrase in lowered for phrase in synonyms()):
                return word  # part of a lay phrase the question uses ("slipped disc"), not a typo
            cutoff = 85 if len(word) <= 4 else 80
            found = process.extract(word, self._vocab_words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5)
            if not found:
                return word
            tail = _PLAN_TAIL_AFTER.match(lowered, match.end())
            before = lowered[:match.start()].split()[-1:]
            after = lowered[match.end():].split()[:1]
            if tail is None and found[0][0] in self._payer_word_set:
                # "mercycare speach therapy": a fix that makes a plan's word ("peach" of Peach State) gives way to one
                # that makes a phrase the policies write ("speech therapy") where the plan's word makes none
                others = [c for c, _, _ in found if c not in self._payer_word_set]
                written = next((c for c in others if self._writes_phrase(before + [c]) or self._writes_phrase([c] + after)), None)
                if written is not None and not (self._writes_phrase(before + [found[0][0]])
                                                or self._writes_phrase([found[0][0]] + after)):
                    found = [f for f in found if f[0] == written]
            tied = [c for c, score, _ in found if score == found[0][1]]
            # of corrections as close, the one that makes a phrase people use: "back stimulater" is a "back
            # stimulator", not "back stimulated"
            phrases = synonyms()
            candidate = next((c for c in tied if " ".join(before + [c]) in phrases or " ".join([c] + after) in phrases),
                             tied[0])
            if tail is not None and not self._payer_names.starts_a_name(f"{candidate} {' '.join(tail.group(0).split())}"):
                # "alliant health plans" is a plan's name as written, no typo of "alliance"; "asprius health plan" is
                # "aspirus health plan", a loaded plan's
                return word
            if word in english_words() and not _same_family(word, candidate):
                return word  # "bad" is a word, not a typo of "band"; "slipped" may still read as "slippage"
            # only for words of similar length: "nee" → "knee", never "pain" → "spain"
            return candidate if abs(len(candidate) - len(word)) <= 2 else word

        return WORD.sub(fix, lowered)

    def _writes_phrase(self, words: list[str]) -> bool:
        """Does any loaded policy write these two words together ("speech therapy")? Read only when a typo could be
        fixed into a plan's word, so the policies' texts are scanned rarely."""
        words = [w.strip("?,.!:;()'\"") for w in words]
        if len(words) != 2 or not all(words):
            return False
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(words[0])}[\s-]+{re.escape(words[1])}(?![A-Za-z])", re.I)
        return any(pattern.search(p.text) for p in self._policies.values())

    def _find_policy_ids(self, lowered: str) -> tuple[str, ...]:
        """Policy numbers named in the question ("02.01.18"), as whole tokens, in the corpus's order."""
        found = set()
        quantities = _quantity_spans(lowered)
        for start in range(len(lowered) - _ID_PREFIX + 1):
            if start and (lowered[start - 1].isalnum() or lowered[start - 1] in "._"):
                continue
            for policy_id in self._ids_by_prefix.get(lowered[start:start + _ID_PREFIX], ()):
                end = start + len(policy_id)
                if lowered.startswith(policy_id, start) and not (end < len(lowered) and (lowered[end].isalnum() or lowered[end] == "_")) \
                        and not (policy_id.isdigit() and _in_spans(start, quantities)):
                    found.add(policy_id)
        for policy_id in self._short_ids:
            for m in re.finditer(rf"(?<![\w.]){re.escape(policy_id)}(?![\w])", lowered):
                # a number that is an age, a BMI or a measure ("a 46-year-old", "BMI of 171") is not policy 46
                if not (policy_id.isdigit() and _in_spans(m.start(), quantities)):
                    found.add(policy_id)
                    break
        return tuple(self._id_order[i][1] for i in sorted(found, key=lambda i: self._id_order[i][0]))

    def _find_payers(self, expanded: str, lowered: str, question_text: str) -> tuple[tuple[str, ...], str | None]:
        payers, unknown = self._payer_names.find(expanded, question_text)
        if not payers and unknown is None:
            # "Does SummaCare cover ...": the one word before "cover" is a plan's name when neither the corpus nor the
            # question reader knows it as a word (read before typo correction turns it into one)
            subject = lexicon.pattern("payers", "payer_subject").search(lowered)
            named = subject is not None and re.search(rf"\b{re.escape(subject.group(1))}\b", question_text, re.I)
            # a plan's name is written as a name ("SummaCare", "AvMed") or an acronym ("HMSA", "CDPHP"), not as a line of
            # business ("HMO", "PPO") or a plain word
            if subject is not None and named and (re.fullmatch(r"[A-Z][a-z]+[A-Za-z]*", named.group(0)) or (
                    re.fullmatch(r"[A-Z]{3,6}", named.group(0))
                    and subject.group(1) not in lexicon.words("payers", "line_of_business"))):
                word = subject.group(1)
                if word not in self._vocab and word not in non_indication() and word not in self._payer_names.words.split() \
                        and not any(word in phrase.split() for phrase in synonyms()):
                    unknown = named.group(0)  # as the question writes it ("HMSA", "SummaCare")
        if not payers and unknown is None:
            # "Is meniscus repair covered by BCNEPA ...": a capitalised short form anywhere, when its letters spell one
            # loaded plan's name (the caller reads it as that plan)
            # (written in lower case too, "bcnepa deep TMS for OCD", when it is no word of the language or the corpus and
            # the typo reader left it as it is)
            unknown = next((token for token in re.findall(r"\b[A-Za-z]{4,7}\b", question_text)
                            if token.lower() not in english_words()
                            and (token.isupper() or (token.lower() not in self._vocab
                                                     and re.search(rf"\b{token.lower()}\b", expanded)))
                            and self._payer_names.by_initials(token, expanded) is not None), None)
        return payers, unknown

    def _leading_plan(self, question: str) -> str | None:
        """ "Paramount bariatric surgery BMI criteria?": a rep's shorthand puts the plan first. A leading name (or acronym)
        that the corpus never writes, before a service it has, is a plan with no policy loaded."""
        lead = lexicon.pattern("payers", "payer_lead").match(question)
        if lead is None:
            return None
        word = lead.group(1).lower()
        if word in non_indication() or word in synonyms() or word in self._payer_word_set \
                or any(word in phrase.split() for phrase in synonyms()):
            return None
        # the service comes right after the name ("Paramount bariatric surgery ...", "HMSA criteria for Inspire ..."),
        # not an instruction ("Ignore ...")
        rest = question[lead.end():].lower().split()
        while rest and rest[0].strip(",:-") in _LEAD_FILLER:
            rest = rest[1:]
        following = " ".join(rest[:4])
        scored = self._services.match(expand(following))
        # (an acronym no policy writes at all, "HMSA portable oxygen concentrator criteria?", needs less of a title said
        # after it than a capitalised word, which may be a device or a drug)
        unwritten = lead.group(1).isupper() and word not in self._vocab and word not in english_words()
        if not scored or scored[0][1] < (0.3 if unwritten else 0.8):
            return None
        # a word the corpus writes elsewhere ("Paramount to these policies is the member's contract") still names a
        # plan when no policy of that service writes it; "Inspire criteria for OSA" names a device its policies write
        if word in self._vocab and self._services.names_as_written([k for k, _ in scored], lead.group(1)):
            return None
        return lead.group(1)

    def _named_plan(self, question: str, doc_keys: tuple[str, ...], corpus_words=None) -> str | None:
        """A plan named the way plans are ("Alliant Health Plans", "covered by Paramount") that is not loaded: a name
        that the policies of the asked service never write, so it is no part of the service (with no service named:
        a name the corpus never writes, `corpus_words`)."""
        not_first = lexicon.words("documents", "not_plan_first")
        for row in lexicon.rows("payers", "plan_in_question"):
            for found in row.pattern.finditer(question):
                name = found.group(1)
                first = name.split()[0].lower()
                if first in not_first or first in self._payer_word_set or first in lexicon.words("payers", "line_of_business") \
                        or first in non_indication() or any(first in phrase.split() for phrase in synonyms()):
                    continue
                if corpus_words is not None:
                    if first not in corpus_words:
                        return name
                elif not self._services.mentions(doc_keys, name.split()[0]):
                    return name
        return None

    def _indication(self, expanded: str, doc_keys: tuple[str, ...], payers: tuple[str, ...]) -> tuple[str, ...]:
        expanded = lexicon.pattern("questions", "asking_phrase").sub(" ", expanded)
        service = set()
        for key in doc_keys:
            p = self._policies[key]
            service |= set(_content_words(expand(" ".join([p.meta.title, *p.meta.aliases]).lower())))
        # abbreviations that stand for the service itself ("prp", "scs", "cgm") are not indications either
        if service:
            for abbreviation, abbreviation_words, expansion_words in abbreviations():
                if expansion_words - {abbreviation} <= service | {abbreviation}:
                    service |= abbreviation_words
        names = " ".join(payers).lower()
        payer_words = set(_content_words(names + " " + re.sub(r"\bblue(cross|shield)", r"blue \1", names)))
        # the words that named the plan ("bcbs of tennessee") are not asked about; a line of business ("medicare") is
        payer_words |= set(_content_words(" ".join(self._payer_names.mentions(expanded, payers)))) - line_of_business_stems()
        words = []
        for word in _content_words(expanded):
            if word in service or word in payer_words or word in non_indication() or word.isdigit() or len(word) < 2:
                continue  # (a letter alone, "y" and "o" of "44 y/o", names nothing)
            if _CODE.fullmatch(word) or _POLICY_NUMBER.fullmatch(word) or _case_detail().fullmatch(word):
                continue
            if word not in words:
                words.append(word)
        return tuple(words)


def _written_short(question: str) -> frozenset[str]:
    """The short forms a question writes in capitals ("ENT", "IEP"), lowered; none where the whole question is written
    in capitals ("IS PROLOTHERAPHY COVRED"), since there capitals tell nothing."""
    letters = [c for c in question if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return frozenset()
    return frozenset(w.lower() for w in re.findall(r"\b[A-Z]{2,5}s?\b", question))


@functools.cache
def _case_detail() -> re.Pattern[str]:
    """Words that state a detail of the member's case, not what is asked about (questions.toml [case_detail])."""
    return lexicon.pattern("questions", "case_detail")


def _same_family(word: str, other: str) -> bool:
    """ "slipped" / "slippage", "joints" / "joint": one word in two forms (a shared stem or five shared first letters)."""
    return _content_words(word) == _content_words(other) or len(os.path.commonprefix([word, other])) >= 5


# A word this many loaded policies use is a term of the field ("ablation"), not one document's product name.
FIELD_TERM_POLICIES = 3
# A title named whole: a service match this strong is what a turn asks about (ServiceIndex.match scores a title's words
# 1.0 when all are named; part of them scores less)
FULL_TITLE = 0.8
# Words a rep's shorthand puts between the plan and the service ("HMSA criteria for Inspire ...").
_PLAN_TAIL_AFTER = re.compile(r"\s+(?:health\s?plans?|healthplans?|health\s?care|healthcare|insurance)\b")
_LEAD_FILLER = frozenset({"criteria", "coverage", "policy", "requirements", "rules", "guidelines", "for", "of", "on",
                          "the", "a", "an", "-"})

def _quantity_spans(lowered: str) -> list[tuple[int, int]]:
    """Where the question states an age, a BMI or a measure, or a number joined to a word ("46-year-old", "5-day"):
    a bare number there is a quantity, never a policy number."""
    spans = [m.span() for group in ("age", "age_months", "bmi", "measure")
             for row in lexicon.rows("questions", group) if row.pattern is not None for m in row.pattern.finditer(lowered)]
    spans += [m.span() for m in re.finditer(r"(?<![\w.])\d+(?:-[a-z]+)+", lowered)]
    spans += [m.span() for m in re.finditer(r"\$\s?\d[\d,]*", lowered)]
    return spans


def _in_spans(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


_ID_PREFIX = 4  # policy ids are looked up by their first four characters; shorter ids by a pattern each


def _negated(expanded: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Content words a negation governs: up to four words after "not", "n't", "no", "without", "never", "non", within its
    sentence ("the pills don't help much. Does Wellcare cover ..." negates nothing of the next one). After a treatment
    that failed ("can't tolerate CPAP", "doesn't do well with hearing aids": lexicon/questions.toml [failed_trial]) the
    words name what was tried, not what is absent: (absent, tried)."""
    failed = [(m.start(), m.end()) for m in _cue("failed_trial").finditer(expanded)]
    absent: list[str] = []
    tried: list[str] = []
    for match in _cue("negation").finditer(expanded):
        sentence = re.split(r"[.?!;]\s|[.?!;]$", expanded[match.end():], maxsplit=1)[0]
        words = _content_words(" ".join(sentence.split()[:4]))
        (tried if any(start <= match.start() < end for start, end in failed) else absent).extend(words)
    return tuple(dict.fromkeys(absent)), tuple(dict.fromkeys(w for w in tried if w not in absent))


def _age(text: str) -> int | None:
    for match in _cue("age").finditer(text):
        if re.search(r"bmi\W{0,3}$", text[max(0, match.start() - 6):match.start()], re.I):
            continue  # "my BMI is 37" is not an age
        return int(next(g for g in match.groups() if g))
    return None


def _age_months(text: str) -> int | None:
    match = _cue("age_months").search(text)
    if match:
        return int(match.group(1) or match.group(2))
    years = _age(text)
    return None if years is None else 12 * years


def _bmi(text: str) -> float | None:
    match = _cue("bmi").search(text)
    return float(match.group(1)) if match else None


@functools.cache
def _intent_exceptions() -> dict[str, re.Pattern[str]]:
    return {row["intent"]: row.pattern for row in lexicon.rows("questions", "intent_exception")}


def _intent(expanded: str) -> Intent:
    exceptions = _intent_exceptions()
    for row in lexicon.rows("questions", "intent"):
        if row.pattern.search(expanded):
            exception = exceptions.get(row["intent"])
            if exception is not None and exception.search(expanded):
                continue
            return row["intent"]
    return "general"


def _date_field(question: str) -> str:
    """Which date a dates question asks for: the one it names first ("last reviewed, and when is it effective?" asks
    the review date first), "reviewed" when it names none."""
    named = []
    for order, row in enumerate(lexicon.rows("questions", "date_field")):
        match = row.pattern.search(question)
        if match is not None:
            named.append((match.start(), order, row["field"]))
    return min(named)[2] if named else "reviewed"
