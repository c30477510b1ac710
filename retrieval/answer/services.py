"""Which loaded policies a question's words name: titles and aliases first (a word shared by many titles counts for
less), then what each policy's statements are about (its profile); the named payers' own policies first."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from .. import lexicon
from .words import _content_words, english_words, expand, title_phrases

# Two payers' titles for one service. Measured on the dev split's and the fixture corpus's titles (MiniLM cosine):
# one service 0.55-0.87, different services up to 0.65 ("Spinal Cord Stimulation" / "Transcranial Magnetic
# Stimulation"); so meaning alone decides only from 0.7 ("Obesity Surgery" / "Bariatric Surgery": 0.74), and below
# it the distinctive title words must agree.
SAME_SERVICE_OVERLAP = 0.5
SAME_SERVICE_TITLE = 0.7
# A word the whole corpus writes at most this many times is a name written in passing, not a term of the field.
RARE_WORD_USES = 3
_CAMEL = re.compile(r"([a-z])([A-Z])")


class ServiceIndex:
    """Built once per loaded index, so a question costs the same at 10 policies and at 1,000: each service word and
    each profile word maps to the policies that use it."""

    def __init__(self, policies: dict, stem_vocab: set[str], profiles: dict[str, str], payer_stems: set[str],
                 title_similarity: Callable[[str, str], float] | None = None,
                 vocabulary: dict[str, int] | None = None):
        self._titles = {key: p.meta.title for key, p in policies.items()}
        self._texts = {key: p.text for key, p in policies.items()}
        # words the corpus writes at most RARE_WORD_USES times, by stem, as written: a procedure or product named in
        # passing ("LASIK", in one cataract policy's scope note)
        # (all forms of a stem together: "mentions" is rare, "mentioned" is not)
        written = sorted(w for w in (vocabulary or {}) if len(w) >= 4 and w.isalpha())
        uses: dict[str, int] = {}
        forms: dict[str, set[str]] = {}
        for word, stem in zip(written, lexicon.stem_words(written), strict=True):
            uses[stem] = uses.get(stem, 0) + vocabulary[word]
            forms.setdefault(stem, set()).add(word)
        # (and a name, not an everyday word: "mentions" is rare in a small corpus too)
        everyday = english_words()
        self._rare_forms = {stem: forms[stem] for stem, n in uses.items()
                            if n <= RARE_WORD_USES and not forms[stem] & everyday}
        self._title_similarity = title_similarity
        self._order = {key: n for n, key in enumerate(policies)}
        self._stem_vocab = stem_vocab
        self.payer_stems = payer_stems
        self._keys_by_payer: dict[str, set[str]] = {}
        self._payers = {key: p.meta.payer for key, p in policies.items()}
        for key, p in policies.items():
            self._keys_by_payer.setdefault(p.meta.payer, set()).add(key)
        # the words of the loaded plans' names, as written and as spaced ("BlueShield", "Blue Shield")
        self._plan_words = {w for name in self._keys_by_payer
                            for w in _content_words(" ".join([name, _CAMEL.sub(r"\1 \2", name)]).lower())}
        self._service_words: dict[str, list[set[str]]] = {}
        document_frequency: dict[str, int] = {}
        for key, p in policies.items():
            phrases = [*title_phrases(p.meta.title), *p.meta.aliases]
            sets = [set(_content_words(expand(phrase.lower()))) for phrase in phrases]
            self._service_words[key] = [s for s in sets if s]
            for word in set().union(*sets) if sets else set():
                document_frequency[word] = document_frequency.get(word, 0) + 1
        generic = _generic_title()
        self._weight = {
            w: (0.3 if w in generic else 1.0) / max(1, document_frequency.get(w, 1)) ** 0.5
            for w in document_frequency
        }
        # What each policy is about beyond its title: the words of its coverage statements and their lists.
        self._profiles = {key: set(_content_words(expand(text.lower(), passage=True))) for key, text in profiles.items()}
        frequency: dict[str, int] = {}
        for words in self._profiles.values():
            for word in words:
                frequency[word] = frequency.get(word, 0) + 1
        n = max(1, len(self._profiles))
        self._profile_idf = {w: math.log(1 + n / f) for w, f in frequency.items()}
        # a distinctive word is one that few policies' statements use. Each payer has about one policy per service, so
        # in a corpus of many payers "few" grows with them ("sleeve": Aetna's, Molina's, Health Net's)
        self._distinctive_idf = math.log(1 + n / max(2, math.ceil(len(self._keys_by_payer) / 4)))
        self._by_service_word: dict[str, set[str]] = {}
        for key, phrase_sets in self._service_words.items():
            for phrase in phrase_sets:
                for word in phrase:
                    self._by_service_word.setdefault(word, set()).add(key)
        self._long_service_words = {w for w in self._by_service_word if len(w) >= 6}
        self._distinct_title_words = {key: {w for phrase in sets for w in phrase if w not in generic}
                                      for key, sets in self._service_words.items()}
        self._heads = {key: self._head_words(key) for key in self._service_words}
        # the words each title writes itself (not its aliases, "CGMs"), less a short form it writes for itself ("(HBOT)",
        # which names the whole title)
        self._title_written = {
            key: set(_content_words(expand(title.lower())))
            - set(_content_words(" ".join(re.findall(r"\(([A-Z]{2,6}s?)\)", title)).lower()))
            for key, title in self._titles.items()}
        self._by_profile_word: dict[str, set[str]] = {}
        for key, words in self._profiles.items():
            for word in words:
                self._by_profile_word.setdefault(word, set()).add(key)

    def title_words(self, key: str) -> set[str]:
        """The words of the policy's title and aliases: what names its service."""
        return set().union(*self._service_words.get(key, [set()]))

    def profile_names(self, key: str, words: tuple[str, ...], share: float = 1.0) -> bool:
        """Does the policy's profile (its names and the words of its statements and their lists) hold every word (or
        this share of them: "platelet rich plasma prp" in a policy that writes the words, not the letters)?"""
        profile = self._profiles.get(key, set())
        return bool(words) and sum(w in profile for w in words) >= share * len(words)

    def match(self, expanded: str, among: set[str] | None = None, minimum: float = 0.5,
              profiles: bool = True, asides: Iterable[str] = ()) -> list[tuple[str, float]]:
        """Policies whose service the question names, best first (`among`: only these policies may score; `profiles`:
        when no title or alias names it, the policies whose statements use its words; `asides`: words the question
        says are absent or failed, which name no subject)."""
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
                total = math.fsum(self._weight.get(w, 1.0) for w in phrase)
                hit = math.fsum(self._weight.get(w, 1.0) for w in phrase if w in words or (len(w) >= 6 and any(w in x for x in words)))
                best = max(best, hit / total if total else 0.0)
            if best >= minimum:
                named_in_subject = any(w in subject_words for phrase in phrase_sets for w in phrase)
                scores.append((key, best if named_in_subject else best - 0.2))
        scores.sort(key=lambda kv: -kv[1])
        if scores and scores[0][1] >= 0.8:
            # the other services named only as the indication ("for my TMJ") are not candidates
            scores = [kv for kv in scores if kv[1] >= scores[0][1] - 0.1]
        if scores or not self._profiles or not profiles:
            return scores
        return self._services_by_profile(words, among, frozenset(asides))

    def for_payers(self, expanded: str, payers: tuple[str, ...], asides: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The named payers' own policies on the service, each payer's best first: "Does Aetna cover a sleeve
        gastrectomy?" looks in Aetna's policies even when another payer's title matches the words better. When the
        words match only another payer's policy ("chiropractor" and "Chiropractic Services"), the named payer's
        policy on the same service (a title sharing its distinctive words) is the one asked about."""
        out: list[tuple[str, float]] = []
        anywhere: list[tuple[str, float]] | None = None
        for payer in payers:
            own = self._keys_by_payer.get(payer, set())
            found = self.match(expanded, among=own, asides=asides)
            if not found:
                # among one payer's few policies, a distinctive title word is enough ("facet RFA", "Facet Joint Denervation")
                found = self.match(expanded, among=own, minimum=0.3, asides=asides)
            if found and found[0][1] < 0.5:
                # a weak match among the payer's own policies ("ablation" in "Basivertebral Nerve Ablation") loses to
                # another payer's title that names the asked service better ("radiofrequency ablation of the facet
                # joints"): the named payer has no policy on it, unless the two are one service
                anywhere = self.match(expanded) if anywhere is None else anywhere
                better = [(k, sc) for k, sc in anywhere if sc > found[0][1] and sc >= 0.5 and k not in own]
                # (unless the payer's own policy states a distinctive word of the question that none of those does:
                # "a Prevena incisional vac on a closed hip replacement incision" is for the plan's wound therapy
                # policy, which names Prevena, not another plan's "Hip Arthroscopy" named by "hip")
                if better and self._states_what_others_do_not(expanded, found[0][0], [k for k, _ in better]):
                    better = []
                # (a title the question names at least half: "lumbar" alone does not make "Lumbar Spinal Fusion" the
                # asked service over the payer's own "Facet Joint Denervation")
                # (only with an embedder whose vectors carry meaning: without it "one service" cannot be told)
                if better and self._title_similarity is not None and not self._same_service(better, {k for k, _ in found}):
                    found = []
            if not found:
                anywhere = self.match(expanded) if anywhere is None else anywhere
                found = self._same_service(anywhere, own, set(_content_words(expand(expanded))))
            if not found and own and (not anywhere or anywhere[0][1] < 0.8) and self._profiles:
                # "a lower body lift after massive weight loss": no title of the plan's names it and another plan's title
                # only brushes it ("Brow Lift"); the plan's own policy whose statements name it is the one asked about
                found = self._services_by_profile(set(_content_words(expanded)), own, frozenset(asides))
            out += found
        return out

    def _states_what_others_do_not(self, expanded: str, key: str, others: list[str]) -> bool:
        """Does the policy's profile hold a distinctive question word (one few policies' statements use) that none of
        the other policies' profiles holds?"""
        words = set(_content_words(expanded)) - self.payer_stems - self._plan_words - lexicon.words("questions", "generic_service")
        profile = self._profiles.get(key, set())
        # (a word each of the plan's policies writes names the plan or its programs ("OHP"), not a service)
        siblings = [self._profiles.get(k, set()) for k in self._keys_by_payer.get(self._payers[key], ()) if k != key]
        if siblings:
            words = {w for w in words if not all(w in other for other in siblings)}
        return any(self._profile_idf.get(w, 0.0) >= self._distinctive_idf and w in profile
                   and not any(w in self._profiles.get(k, set()) for k in others) for w in words)

    def _same_service(self, matched: list[tuple[str, float]], among: set[str],
                      asked: set[str] | None = None) -> list[tuple[str, float]]:
        """The named payer's own policy on the service another payer's title names. Two titles name one service when
        their distinctive words mostly agree ("Facet Joint Radiofrequency Neurotomy" / "Facet Joint Denervation": half
        of the shorter one's) or their meanings are very close with no word shared ("Glucose Monitors" / "Continuous
        Glucose Monitoring Devices"); one shared word of three is not enough ("Spinal Cord Stimulation" /
        "Transcranial Magnetic Stimulation")."""
        for key, score in matched:
            if score < 0.5:
                break
            words, head = self._distinct_title_words[key], self._heads[key]
            # (the title words the question names: "dry needling" of "Acupuncture, Electroacupuncture and Dry Needling"
            # is no service of another plan's "Acupuncture", though the two titles share a word)
            named = {w for w in words if asked is not None and w in asked and w in self._title_written[key]}
            same = []
            for k in sorted(among, key=self._order.__getitem__):
                other = self._distinct_title_words[k]
                if named and not named & other:
                    continue
                # (the words they share, without the condition a title names after "for", of the shorter title's)
                overlap = len(head & self._heads[k]) / max(1, min(len(words), len(other)))
                if overlap >= SAME_SERVICE_OVERLAP or self._similarity(key, k) >= SAME_SERVICE_TITLE:
                    same.append(k)
            if same:
                return [(k, score) for k in same]
        return []

    def _head_words(self, key: str) -> set[str]:
        """A title's distinctive words, without those of the condition it names after "for" ("Hypoglossal Nerve
        Stimulation for Obstructive Sleep Apnea" is a service for sleep apnea, not one with "Sleep Apnea Testing"),
        unless the part before "for" names nothing of its own ("Surgery for Severe Obesity"). Worked out once, at
        load (`_heads`)."""
        generic = _generic_title()
        words = self._distinct_title_words[key]
        head = re.split(r"\s+for\s+", self._titles.get(key, ""), maxsplit=1, flags=re.I)
        if len(head) == 2:
            own = set(_content_words(expand(head[0].lower()))) - generic
            if own:
                return own | (words - set(_content_words(expand(head[1].lower()))))
        return words

    def _similarity(self, a: str, b: str) -> float:
        if self._title_similarity is None:
            return 0.0
        return self._title_similarity(self._titles[a], self._titles[b])

    def _services_by_profile(self, words: set[str], among: set[str] | None = None,
                             asides: frozenset[str] = frozenset()) -> list[tuple[str, float]]:
        """No title named: the policy whose statements use the question's distinctive words ("gastric balloon")."""
        payer_stems = self.payer_stems
        generic = lexicon.words("questions", "generic_service")
        # (a word no policy writes is the subject, unless the question says it failed: "reflux that isn't responding to
        # PPIs" asks about the surgery, not the PPIs)
        unknown = {w for w in words if w not in self._stem_vocab and w not in self._profile_idf and not w.isdigit()
                   and len(w) >= 4 and w not in payer_stems and w not in generic and w not in asides}
        if unknown:
            return []  # "Is Ozempic covered for weight loss?": the subject is something no policy here names
        # a word the corpus writes only in passing, in no statement: only a policy that writes it, other than to leave
        # it out, is about it ("Is LASIK eye surgery covered?" is no question for a PRP policy's "dry eye disease")
        rare = self.rare_names(words)
        words = {w for w in words if w in self._profile_idf and w not in generic and not w.isdigit()}
        words -= self.payer_stems
        if not words:
            return []
        scores = []
        candidates = set().union(*(self._by_profile_word.get(w, set()) for w in words))
        if among is not None:
            candidates &= among
        for key in sorted(candidates, key=self._order.__getitem__):
            profile = self._profiles[key]
            hit = [w for w in words if w in profile]
            # at least one distinctive word must match
            if not any(self._profile_idf[w] >= self._distinctive_idf for w in hit):
                continue
            score = math.fsum(self._profile_idf[w] for w in hit) / math.fsum(self._profile_idf[w] for w in words)
            if score >= 0.34 and all(self.writes(key, w) for w in rare):
                scores.append((key, round(0.5 * score, 3)))
        scores.sort(key=lambda kv: -kv[1])
        return scores

    def rare_names(self, words: set[str]) -> tuple[str, ...]:
        """The words that name something the corpus writes only in passing and in no statement ("lasik")."""
        generic = lexicon.words("questions", "generic_service")
        return tuple(sorted(w for w in words if w in self._rare_forms and w not in self._profile_idf
                            and w not in self.payer_stems and w not in generic))

    def mentions(self, keys: Iterable[str], word: str) -> bool:
        """Does any of these policies write the word at all ("Inspire" in a sleep apnea policy)?"""
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", re.I)
        return any(pattern.search(self._texts.get(key, "")) for key in keys)

    def names_as_written(self, keys: Iterable[str], word: str) -> bool:
        """Does any of these policies write the word as a name is written: with its capitals ("Paramount", "HMSA"),
        other than as a sentence's or a line's first word ("Paramount to the plan's decision is ..." is an adjective)?"""
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])")
        for key in keys:
            text = self._texts.get(key, "")
            for found in pattern.finditer(text):
                before = text[max(0, found.start() - 3):found.start()].rstrip(" \t\"'(")
                if before and before[-1] not in ".!?:\n" and not before.endswith(("-", "*", "\u2022")):
                    return True
        return False

    def writes(self, key: str, stem: str) -> bool:
        """Does the policy write the word in a sentence that is not one of what it leaves out ("This guideline does not
        address ... LASIK and other corneal refractive procedures")?"""
        from ..lexicon.verdicts import verdict_of

        text = self._texts.get(key, "")
        for form in self._rare_forms.get(stem, ()):
            for found in re.finditer(rf"\b{re.escape(form)}\b", text, re.I):
                start = max(text.rfind(".", 0, found.start()), text.rfind("\n\n", 0, found.start())) + 1
                end = text.find(".", found.end())
                if verdict_of(text[start:end + 1 if end >= 0 else len(text)].strip()) != "no_statement":
                    return True
        return False


def _generic_title() -> frozenset[str]:
    """The generic title words as written and as stemmed: titles are compared by their stems ("injections" -> "inject")."""
    words = lexicon.words("questions", "generic_title")
    return words | frozenset(lexicon.stem_words(sorted(words)))
