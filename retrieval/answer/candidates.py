"""Which loaded policies govern a question, best first: named by number, code, service or payer, else by retrieval."""

from __future__ import annotations

import math
import re
from collections import Counter

from .. import lexicon
from ..search import LoadedIndex, PolicyRecord
from ..settings import Settings
from .services import _generic_title
from .understanding import Understanding
from .words import content_words, non_indication

# Answering from retrieval alone (no service, code or policy named) needs a passage this close in meaning and in
# words; calibrated on evals/gold.jsonl.
RETRIEVAL_MIN_DENSE = 0.50
RETRIEVAL_MIN_LEXICAL = 2.0
# How many of the named payer's best passages may show that a policy of its own is about the asked service.
RETRIEVAL_TRIES = 3
# A question whose words match a loaded policy's title this well names that service outright (calibrated on wild-dev).
SERVICE_NAMED = 0.8
# A named plan's own policy is about the asked service when retrieval over every plan's policies, with the plan's name
# left out of the question, ranks it among this many policies and its passage is this close in meaning (calibrated on
# wild-dev's questions that named a plan the words matched no policy of: 17 of 19 answerable ones found their policy
# this way, 0 of 110 that no policy of the plan answers).
AGREEMENT_POLICIES = 4
AGREEMENT_MIN_DENSE = 0.40
MAX_LISTED = 4  # policies an answer lists, one by one
_WORD = re.compile(r"[a-z0-9][a-z0-9-]+")  # a word of a question or a policy, lower-cased, for telling policies apart
RARE_NAME_POLICIES = 3  # a question word at most this many policies write names what is asked (a device, a product)


class Candidates:
    """Built once per loaded index: policy ids and payers to policies."""

    def __init__(self, index: LoadedIndex, settings: Settings, writes=None):
        self.index = index
        self.settings = settings
        self._writes = writes  # (policy key, stem) -> does the policy write that rare name, other than to leave it out
        self._by_policy_id = {p.meta.policy_id: k for k, p in index.policies.items()}
        self._policy_words: dict[str, frozenset[str]] = {}  # policy key -> the words its text writes, lower-cased
        self._by_payer: dict[str, set[str]] = {}
        for key, p in index.policies.items():
            self._by_payer.setdefault(p.meta.payer, set()).add(key)

    def select(self, u: Understanding) -> list[str]:
        """Policies that govern the question, best first; [] when the corpus has none."""
        keys: list[str] = []
        keys += [self._by_policy_id[pid] for pid in u.policy_ids if pid in self._by_policy_id]
        keys_named = bool(keys)
        for code in u.codes:
            for key in self.index.policies_with_code(code):
                # a policy named by its number is the one asked about: other policies listing the code are not
                # (a named plan's policy that lists the code is asked about, whatever the other words matched: "prior
                # auth for K0606 for an MHS Hoosier Care Connect member")
                if key not in keys and not keys_named and (
                        not u.doc_keys or key in u.doc_keys or self.index.policies[key].meta.payer in u.payers):
                    keys.append(key)
        if not keys:
            keys = list(u.doc_keys)
        policies = self.index.policies
        if u.payers:
            keys = [k for k in keys if policies[k].meta.payer in u.payers]
            if not keys and u.service_score < SERVICE_NAMED:
                # the named payer's own policies, by what they say ("a custom mouthpiece" in an oral appliance policy
                # titled otherwise), before "not loaded"; a service other policies are titled by ("acupuncture") that
                # the payer has no policy on stays "not loaded"
                keys = self._from_retrieval(u)
            if not keys:
                keys = self._ranked_among_all(u)
            if not keys and u.doc_keys:
                return []  # the named payer has no policy on this service: never answer from another payer's
        if not keys and not u.doc_keys and not u.codes:
            keys = self._from_retrieval(u)
        if not keys:
            return []
        if not u.payers and not u.policy_ids and len(keys) > 1:
            home = (self.settings.home_payer or "").lower()
            if home:
                # a plan's own policy answers its members' questions; other plans' policies follow as context
                keys.sort(key=lambda k: policies[k].meta.payer.lower() != home)
            top = policies[keys[0]]
            same_service = [k for k in keys if _same_service(top, policies[k])]
            keys = same_service if not u.comparison else keys
            if not u.comparison:
                # the policies whose text holds the question's own words (a plan's name no table knows, the case it
                # describes) come first, and are the ones listed when there are more; the home plan's before all
                keys = self._by_relevance(u, keys)
                if home:
                    keys.sort(key=lambda k: policies[k].meta.payer.lower() != home)
        elif u.payers and not u.comparison:
            keys = keys[:1] if len(u.payers) == 1 else keys
        return keys[:MAX_LISTED]

    def _by_relevance(self, u: Understanding, keys: list[str]) -> list[str]:
        """The policies ordered by the question's words that tell them apart: a word some of them write and others do
        not ("EHP", a plan's name no table knows; "sacral", the case asked about) counts for those that write it, the
        more the fewer do; a word all of them write (the service's) or none tells nothing. Ties keep their order."""
        asked = set(_WORD.findall(u.expanded.lower()))
        written = {k: self._words_of(k) & asked for k in keys}
        counts = Counter(w for words in written.values() for w in words)
        weight = {w: math.log(len(keys) / n) for w, n in counts.items()}
        return sorted(keys, key=lambda k: -math.fsum(weight[w] for w in written[k]))

    def _words_of(self, key: str) -> frozenset[str]:
        words = self._policy_words.get(key)
        if words is None:
            text = self.index.policies[key].text.lower()
            words = self._policy_words[key] = frozenset(_WORD.findall(text))
        return words

    def _from_retrieval(self, u: Understanding) -> list[str]:
        doc_keys = None
        if u.payers:
            doc_keys = set().union(*(self._by_payer.get(payer, set()) for payer in u.payers))
        passages = self.index.search(u.expanded, k=5, doc_keys=doc_keys)
        if not passages:
            return []
        # among the named payer's own policies, any of the best few passages may show the service; with no payer
        # named, only the best one
        for top in passages[:RETRIEVAL_TRIES if u.payers else 1]:
            if top.dense >= RETRIEVAL_MIN_DENSE and (top.lexical >= RETRIEVAL_MIN_LEXICAL or top.exact) \
                    and _names_most_of(u, top.chunk.text) and self._names_the_rare(u, top.chunk.doc_key):
                return [top.chunk.doc_key]
        return []

    def _names_the_rare(self, u: Understanding, key: str) -> bool:
        """ "Is LASIK eye surgery covered?": a cataract policy's passage on eye surgery answers it only if the policy
        writes "LASIK" other than to leave it out."""
        return self._writes is None or all(self._writes(key, stem) for stem in u.rare_names)

    def _ranked_among_all(self, u: Understanding) -> list[str]:
        """The named payer's policy that retrieval over all plans' policies ranks near the top for what the question
        asks ("a panniculectomy after gastric bypass" for BCBSIL's "Panniculectomy and Abdominoplasty", where the words
        also name other plans' bariatric titles; "the horse riding therapy" for Superior's ABA policy, titled otherwise).
        Ranked among every plan's policies, one that is about something else stays below the others' policies on the
        service ("Does Aspirus cover a gastric sleeve?" finds other plans' bariatric policies, none of Aspirus's)."""
        own = set().union(*(self._by_payer.get(payer, set()) for payer in u.payers))
        if not own or not u.plan_free.strip():
            return []
        ranked: list[str] = []
        for passage in self.index.search(u.plan_free, k=20):
            key = passage.chunk.doc_key
            if key in own:
                if passage.dense < AGREEMENT_MIN_DENSE:
                    return []
                # lower down, where many plans have a policy on the service: the named plan's is one of them when its
                # title names the service the best-ranked policy's title names ("Varicose Vein Treatment" below four
                # other plans' "Treatment of Varicose Veins ...")
                if len(ranked) < AGREEMENT_POLICIES or _one_service(self.index.policies[ranked[0]],
                                                                    self.index.policies[key]) \
                        or self._writes_rare_word(key, u.plan_free):
                    return [key]
                return []
            if key not in ranked:
                ranked.append(key)
        return []

    def _writes_rare_word(self, key: str, question: str) -> bool:
        """The named plan's policy writes a word of the question that few policies write at all ("Inspire", in 3 of
        164): a name of what is asked, which ranks by meaning below other plans' policies on nearby services."""
        frequency = getattr(self.index, "policy_frequency", None) or {}
        rare = [w for w in dict.fromkeys(re.findall(r"[a-z][a-z-]{3,}", question.lower()))
                if 1 <= frequency.get(w, 0) <= RARE_NAME_POLICIES and w not in non_indication()]
        text = self.index.policies[key].text if rare else ""
        return any(re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text, re.I) for w in rare)

    def payers_loaded(self) -> str:
        return _listed(sorted(self._by_payer))

    def nothing_found(self, u: Understanding) -> str:
        """Why no policy answers, in words for the user."""
        if u.payers and u.doc_keys:
            payer = ", ".join(u.payers)
            service = self.index.policies[u.doc_keys[0]].meta.title
            others = sorted({self.index.policies[k].meta.payer for k in u.doc_keys} - set(u.payers))
            also = f" A policy on it is loaded for {_listed(others)}." if others else ""
            return (f"I couldn't find a {payer} policy on {service.lower()} in the policies loaded here, so I can't say "
                    f"what {payer} covers for it. Other plans' policies don't apply to {payer} members.{also}")
        if u.codes:
            return f"The code {', '.join(u.codes)} does not appear in any policy loaded here."
        return "I couldn't find a medical policy that answers this in the policies loaded here, so I won't guess."


def _names_most_of(u: Understanding, text: str) -> bool:
    """A passage found by retrieval alone must name a fair part of what the question asks about (a third, and two
    words of three or more): "are hearing aids covered for adults?" is not answered by a bariatric policy's "adults"."""
    generic = lexicon.words("questions", "generic_service") | lexicon.words("questions", "generic_indication")
    asked = [w for w in dict.fromkeys(u.content) if w not in generic and not w.isdigit()]
    if not asked:
        return True
    words = set(content_words(text))
    named = sum(w in words for w in asked)
    # (two words asked are a name together: "dental implants" is not named by a knee policy's meniscus "implant")
    return named * 3 >= len(asked) and (named >= 2 or len(asked) < 2)


def _listed(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else "none"


def _one_service(a: PolicyRecord, b: PolicyRecord) -> bool:
    """Two titles whose distinctive words (no generic title word) mostly agree: half of the longer's at least
    ("Varicose Vein Treatment" / "Treatment of Varicose Veins and Superficial Venous"; never "Lumbar Spinal Fusion" /
    "Sacroiliac Joint Fusion")."""
    generic = _generic_title()
    words_a, words_b = (set(content_words(x.meta.title)) - generic for x in (a, b))
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) * 2 >= max(len(words_a), len(words_b))


def _same_service(a: PolicyRecord, b: PolicyRecord) -> bool:
    return bool(set(content_words(a.meta.title)) & set(content_words(b.meta.title)))
