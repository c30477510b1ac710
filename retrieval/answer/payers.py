"""Which payers a question names: every way people say a loaded payer (lexicon/payers.toml), brand families, and
payers the table knows that have no policy loaded."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz.distance import DamerauLevenshtein

from .. import lexicon
from ..metadata import canonical_payer
from .words import english_words

# First words too common to name a payer on their own ("Blue Cross ...", "Health Alliance ...").
_EVERYDAY_POLICIES = 3  # other policies that write a plan's first word before it counts as an everyday word
_GENERIC_FIRST_WORDS = {"blue", "health", "medical", "united", "national", "first", "community", "the"}


class PayerNames:
    def __init__(self, loaded: Iterable[str], variants: dict[str, set[str]] | None = None,
                 policy_frequency: dict[str, int] | None = None):
        """`policy_frequency`: how many loaded policies write each word (lower-cased), for telling a plan's first word
        that is an everyday word of the corpus ("scan", written by many plans' policies) from a name ("aetna")."""
        loaded = list(loaded)
        own = Counter(loaded)  # each plan's own policies
        self.loaded = list(dict.fromkeys(loaded))
        self._named: dict[str, set[str]] = {}  # lower-cased alias -> the loaded payers it names
        self._everyday: set[str] = set()  # a plan's first word that is an everyday word ("scan" of SCAN Health Plan)
        rows = {row["payer"]: row["aliases"] for row in lexicon.rows("payers", "payer")}
        serves = {row["payer"]: row["serves"] for row in lexicon.rows("payers", "payer") if row.get("serves")}
        short_forms: dict[str, set[str]] = {}
        for name in self.loaded:
            self._add(name.lower(), name)
            for variant in (variants or {}).get(name, ()):
                if re.fullmatch(r"[A-Z][A-Z&]{1,5}", variant):
                    # initials its documents give it ("MedStar Family Choice (MFC)"): a short form, kept only where no
                    # other plan, word or service uses them (below)
                    if variant.lower() not in english_words() and variant.lower() not in lexicon.words(
                            "payers", "line_of_business"):
                        short_forms.setdefault(variant.lower(), set()).add(name)
                    continue
                self._add(variant.lower(), name)  # another way its own documents write it
            for written in [name, *(variants or {}).get(name, ())]:
                for form in _written_forms(written):
                    short_forms.setdefault(form, set()).add(name)
            # "Blue Cross Blue Shield of Arizona (AZ Blue)": the name without its short form, and the short form
            short = re.search(r"\(([^()]{2,30})\)\s*$", name)
            if short is not None:
                self._add(name[:short.start()].strip().lower(), name)
                self._add(short.group(1).strip().lower(), name)
            official = canonical_payer(name)
            for alias in rows.get(official, ()) if official is not None else ():
                self._add(alias, name)
            if official in serves:
                self._add(serves[official], name)  # "does Medicare cover ..." reaches a contractor's LCD
            # a loaded payer's own first word names it too ("Does Horizon cover ...", "my Excellus plan")
            first = name.split()[0].lower()
            if "-" in first and len(first) >= 5:
                self._named.setdefault(first.replace("-", " "), {name})  # "triple s" for "Triple-S Salud"
            # (not a word that opens many other names: "home" of "Home State Health" is the member's "take home test")
            if len(first) >= 4 and first not in _GENERIC_FIRST_WORDS and first not in lexicon.words("documents", "not_plan_first"):
                self._named.setdefault(first, {name})
                if policy_frequency is not None and first in english_words() and self._named[first] == {name} \
                        and policy_frequency.get(first, 0) - own[name] >= _EVERYDAY_POLICIES:
                    # "scan", "sharp", "priority", "mass": an everyday word names the plan only where a question
                    # writes it as a name (see _names_a_plan_here)
                    self._everyday.add(first)
                # and said as two words when it is written in two capitals ("cal optima" for "CalOptima Health")
                # (not when its first part is a word of many plans' names: "BlueCross" is no "blue cross" of its own)
                spaced = _two_words(name.split()[0]).lower()
                if spaced != first and spaced.split()[0] not in _GENERIC_FIRST_WORDS:
                    self._named.setdefault(spaced, {name})
        for name in self.loaded:
            # the opening letters alone ("VNS" of "VNS Health Health Plans"), when no other plan's policy writes them
            # (not "VNS", vagus nerve stimulation, in a corpus with VNS policies)
            opening = _OPENING_LETTERS.match(name)
            letters = opening.group(1).lower() if opening is not None else ""
            if letters and letters not in english_words() and policy_frequency is not None \
                    and policy_frequency.get(letters, 0) - own[name] <= 0 and letters not in known_payer_aliases():
                short_forms.setdefault(letters, set()).add(name)
        for form, names in short_forms.items():
            # a short form the table gives a plan ("BCBST" is Tennessee's) is that plan's alone; one two loaded plans
            # share ("PHP": Presbyterian Health Plan and Physicians Health Plan) names both, and the asked service
            # tells them apart
            if _spaced(form) not in self._named and form not in known_payer_aliases():
                for name in names:
                    self._add(form, name)
        unserved: set[str] = set()
        for row in lexicon.rows("payers", "family"):
            members = {name for name in self.loaded if any(m in name.lower() for m in row["members_contain"])}
            for alias in row["aliases"]:
                if members and alias not in self._named:
                    self._named[alias] = members
            # a regional member by its family name and its region: "blue cross michigan", "bcbs of tennessee"
            served: set[str] = set()
            # (the family's one-word names, where its regional forms glue a place to them: "bcbs" of "bcbsaz")
            glued_aliases = [a for a in row["aliases"] if " " not in a] \
                if "{alias}{place}" in row.get("regional_forms", ()) else []
            for name in members:
                for place in _member_places(name, rows):
                    served.add(place)
                    for alias in row["aliases"]:
                        for form in row.get("regional_forms", ()):
                            self._named.setdefault(_spaced(form.format(alias=alias, place=place)), set()).add(name)
                # a state's code that is a common word, glued to a family name without a space ("bcbsok")
                for code in _member_places(name, rows, glued=True):
                    for alias in glued_aliases:
                        self._named.setdefault(f"{alias}{code}", set()).add(name)
            # the family's plan of a state no loaded member serves ("Blue Cross Blue Shield of Wyoming") has no policy
            # loaded: never another state's plan's answer
            if row.get("regional_forms"):
                unserved |= {_spaced(form.format(alias=alias, place=place)) for place in _all_places() if place not in served
                             for alias in row["aliases"] for form in row["regional_forms"]}
                unserved |= {f"{alias}{code}" for state in lexicon.rows("payers", "state") if state["name"] not in served
                             for code in state.get("glued", ()) for alias in glued_aliases}
        self._unserved = _any_word_cached(frozenset(unserved - set(self._named)))
        self._pattern = _any_word(self._named)
        # payers the table knows that are not loaded, in the table's order: a question naming one gets "not loaded"
        self._unknown = [(alias, re.compile(rf"\b{re.escape(_spaced(alias))}\b"))
                         for group in ("payer", "family") for row in lexicon.rows("payers", group)
                         for alias in row["aliases"] if alias not in self._named]
        self.words = " ".join(self._named)
        # each plan's name without its connectors and generic words ("san joaquin" of "Health Plan of San Joaquin",
        # "cook childrens" of "Cook Children's Health Plan"), for a name said loosely (by_loose_words)
        self._frequency = policy_frequency or {}
        self._cores: dict[tuple[str, ...], set[str]] = {}
        for name in self.loaded:
            for written in [name, *(variants or {}).get(name, ())]:
                for words in (_core(written), _core(written, generic=True)):
                    if words:
                        self._cores.setdefault(words, set()).add(name)
        # each plan's name as its head and its tail ("san francisco" + "health plan"), by the tail's first word, for a
        # place said short (by_clipped_words)
        self._heads: dict[str, list[tuple[str, list[str], list[str]]]] = {}
        for name in self.loaded:
            parts = [w.lower().replace(".", "") for w in _parts(name)]
            cut = len(parts)
            while cut and parts[cut - 1] in _GENERIC_TAIL | _PLAN_TAIL:
                cut -= 1
            if cut >= 2 and cut < len(parts):
                self._heads.setdefault(parts[cut], []).append((name, parts[:cut], parts[cut:]))

    def starts_a_name(self, phrase: str) -> bool:
        """Is the phrase a loaded plan's name, or the start of one ("community health plan" of "... of washington")?"""
        phrase = _spaced(phrase)
        return any(alias == phrase or alias.startswith(phrase + " ") for alias in self._named)

    def mentions(self, expanded: str, payers: tuple[str, ...] | None = None) -> list[str]:
        """The words that name a loaded payer in the text ("bcbs of tennessee", "blue cross nc"): they name the plan,
        not what is asked about. With `payers` (those the question names), an everyday word ("scan") is a mention
        only where it names one of them."""
        if self._pattern is None:
            return []
        return [m.group(0) for m in self._pattern.finditer(_spaced(expanded))
                if payers is None or m.group(0) not in self._everyday or self._named[m.group(0)] & set(payers)]

    def _names_a_plan_here(self, expanded: str, match: re.Match[str], original: str) -> bool:
        """An everyday word that is a plan's first word ("scan", "sharp", "mass") names the plan where it is written
        as a name ("SCAN", "Sharp", not at the start of a sentence), before a plan word ("sharp health plan", "scan
        members") or as what covers ("does sharp cover", "covered by scan"); "a DXA scan", "sharp pain" and "lean
        mass" name no plan."""
        word = match.group(0)
        after, before = expanded[match.end():], expanded[:match.start()]
        if re.match(r"\s+(?:health|plans?|healthplans?|members?|insurance|hmo|ppo|advantage|medicare|medicaid|medi-cal)\b", after):
            return True
        if re.match(r"\s+(?:covers?|covered|pays?|paid|approves?|requires?|considers?|says?)\b", after):
            return True  # "does sharp cover"
        if re.search(r"\b(?:covered|paid|insured|approved)\s+(?:by|through|under)\s+$|\b(?:with|through|by|from|under|on)\s+$", before) \
                and not re.match(r"\s+[a-z]", after):
            return True  # "covered by scan?", not "with scan results"
        for found in re.finditer(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", original, re.I):
            written = found.group(0)
            start_of_sentence = not original[:found.start()].strip() or original[:found.start()].rstrip()[-1] in ".?!:;-"
            if (written.isupper() or written[0].isupper()) and not start_of_sentence:
                return True
        return False

    def by_initials(self, unknown: str, expanded: str) -> tuple[str, str] | None:
        """(the loaded plan, the words of the question that name it) when an unknown name stands for one plan by its
        letters: "Inland Empire Health Plan" for a plan loaded as "IEHP", "BCNEPA" for "Blue Cross of Northeastern
        Pennsylvania". A word before the name may start it ("inland", which the name's shape leaves out)."""
        unknown = _spaced(unknown.lower())
        if " " in unknown:
            before = re.search(rf"([a-z]+)\s+{re.escape(unknown)}", _spaced(expanded.lower()))
            tries = [unknown] + ([f"{before.group(1)} {unknown}"] if before else [])
            # said without its "Plan" ("Inland Empire Health" for IEHP) too
            forms = {form: t for t in tries for form in (_initials(_parts(t)), _initials(_parts(t)) + "p")}
            hits = {(name, forms[name.split()[0].lower()]) for name in self.loaded
                    if re.fullmatch(r"[A-Z]{3,6}", name.split()[0]) and name.split()[0].lower() in forms}
        else:
            hits = {(name, unknown) for name in self.loaded if _letters_in_order(unknown, _parts(name))}
        return next(iter(hits)) if len(hits) == 1 else None

    def by_clipped_words(self, expanded: str) -> tuple[str, str] | None:
        """(the loaded plan, the words of the question that name it) when the question says a plan's place short before
        its tail: clipped words ("san fran health plan") or the place's letters ("SF health plan") for San Francisco
        Health Plan; one loaded plan only."""
        tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[a-z][a-z'&-]*", _spaced(expanded.lower()))]
        words = [t[0] for t in tokens]
        tails = [j for j, w in enumerate(words) if w in _GENERIC_TAIL | _PLAN_TAIL]
        hits: set[tuple[str, str]] = set()
        starts = {w[0] for w in words}
        for name, head, tail in (plan for j in tails for plan in self._heads.get(words[j], ()) if plan[1][0][0] in starts):
            # (the head said in at most one word per word of it, just before the tail)
            for i in sorted({i for j in tails if words[j] == tail[0] for i in range(max(0, j - len(head) - 2), j)}):
                end = _head_said_short(words, i, head)
                while end is not None and end < len(words) and words[end] in _CONNECTORS:
                    end += 1  # "central cal alliance for health"
                if end is not None and words[end:end + 1] == tail[:1]:
                    last = end  # as much of the tail as is said: "san fran health plan"
                    while last + 1 < len(words) and last + 1 - end < len(tail) and words[last + 1] == tail[last + 1 - end]:
                        last += 1
                    hits.add((name, _spaced(expanded.lower())[tokens[i][1]:tokens[last][2]]))
        return next(iter(hits)) if len({name for name, _ in hits}) == 1 else None

    def by_loose_words(self, expanded: str) -> tuple[str, str] | None:
        """(the loaded plan, the words of the question that name it) when the question says a plan's distinctive words
        loosely: in another order around its generic words ("san joaquin health plan" for Health Plan of San Joaquin),
        without an apostrophe or with a possessive "s" ("cooks childrens" for Cook Children's Health Plan), misspelt
        ("samaratin" for Samaritan Health Plans), said short ("central cali alliance", "univ of utah"), or glued, the
        first word clipped ("medmutual" for Medical Mutual). A name of one word is only matched misspelt, by a word that is no English word and no word of the
        corpus; a longer name needs one of its words said as written ("cleaver care" for Clever Care). One loaded plan
        only."""
        text = expanded.lower()
        tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[a-z0-9][a-z0-9'’&-]*", text)
                  if m.group(0) not in _CONNECTORS]
        said = [_SAID.get(w, w) for w in (_APOSTROPHE.sub("", t[0]) for t in tokens)]

        def plain(word: str) -> bool:  # a word that is no English word and no word of the corpus: a misspelling
            return word not in english_words() and not self._frequency.get(word)

        hits: set[tuple[str, str]] = set()
        for core, names in self._cores.items():
            for i in range(len(said)):
                # (a glued name may be the corpus's own word: the plan writes "MedMutual" too)
                glued = _glued(said[i], core) and said[i] not in english_words()
                if glued:
                    hits |= {(name, text[tokens[i][1]:tokens[i][2]]) for name in names}
                    continue
                if len(core) == 1 and len(core[0]) >= 5 and i + 1 < len(said) and said[i] + said[i + 1] == core[0]:
                    # "md wise" for MDwise, "care source" for CareSource: a one-word name said in two
                    hits |= {(name, text[tokens[i][1]:tokens[i + 1][2]]) for name in names}
                    continue
                if i + len(core) > len(said):
                    continue
                if len(core) == 1:
                    if _loosely(said[i], core[0], long_name=False) not in ("s", "typo") or not plain(said[i]):
                        continue
                else:
                    kinds = [_loosely(said[i + j], word, long_name=True) for j, word in enumerate(core)]
                    if None in kinds or "same" not in kinds:
                        continue
                hits |= {(name, text[tokens[i][1]:tokens[i + len(core) - 1][2]]) for name in names}
        return next(iter(hits)) if len({name for name, _ in hits}) == 1 else None

    def _add(self, alias: str, name: str) -> None:
        self._named.setdefault(_spaced(alias), set()).add(name)

    def find(self, expanded: str, original: str | None = None) -> tuple[tuple[str, ...], str | None]:
        """(loaded payers named, in load order; the first payer named that has no policy loaded, when none is).
        `original`: the question as written, where an everyday word that is a plan's first word must read as a name."""
        named: set[str] = set()
        expanded = _spaced(expanded)
        spans = []
        groups: list[set[str]] = []
        if self._pattern is not None:
            for match in self._pattern.finditer(expanded):
                if original is not None and match.group(0) in self._everyday \
                        and not self._names_a_plan_here(expanded, match, original):
                    continue
                groups.append(self._named[match.group(0)])
                spans.append(match.span())
        # "BCBS FEP", "blue cross anthem": a family's name beside one of its members' names means that member
        for group in groups:
            if not any(other < group for other in groups):
                named |= group
        if self._unserved is not None:
            for match in self._unserved.finditer(expanded):
                # "Blue Cross Blue Shield of Wyoming": longer than any loaded plan's name it holds ("blue cross blue shield")
                if not any(start <= match.start() and match.end() <= end and end - start >= len(match.group(0))
                           for start, end in spans):
                    return (), match.group(0)
        found = tuple(name for name in self.loaded if name in named)
        unknown = None
        if not found:
            unknown = next((alias for alias, pattern in self._unknown if pattern.search(expanded)), None)
        if not found and unknown is None:
            # a plan the table does not know, named the way plans are ("Fallon Health", "Sanford Health Plan")
            shape = lexicon.pattern("payers", "payer_shape").search(expanded)
            if shape is not None and shape.group(1) not in self.words.split():
                unknown = shape.group(0)
        return found, unknown


def _written_forms(name: str) -> list[str]:
    """How people write a plan's name short: without its dots ("LA Care" for "L.A. Care") and by its initials ("PHP"
    for "Presbyterian Health Plan", "JHHC" for "Johns Hopkins HealthCare"), when those are no word a question uses
    otherwise (an abbreviation of a service, a line of business, a word of the question language)."""
    from .words import synonyms

    forms = []
    lowered = name.lower()
    if "." in lowered:
        forms.append(re.sub(r"\s+", " ", lowered.replace(".", "")).strip())
    # "care oregon", "cal optima", "select health": a name written as one word in two capitals, said as two
    plain = " ".join(re.sub(r"\([^()]*\)", " ", name).split())
    spoken = _two_words(plain).lower()
    if spoken != plain.lower():
        forms.append(spoken)
    # "community health plan washington" for "Community Health Plan of Washington"
    if re.search(r"\s+of\s+", plain, re.I):
        forms.append(re.sub(r"\s+of\s+", " ", plain.lower()))
    # "cox health plan" for "Cox HealthPlans", "sentara health plan" for "Sentara Health Plans": one plan or many
    if re.search(r"\bhealth plans$", spoken):
        forms.append(spoken[:-1])
    elif re.search(r"\bhealth plan$", spoken):
        forms.append(spoken + "s")
    # "mercycare" for "Mercy Care", "healthnet" for "Health Net", "peachstate" for "Peach State Health Plan": the name
    # before its tail, or its first two words, written as one word
    bare = [w for w in re.findall(r"[a-z][a-z.'&-]*", plain.lower()) if w not in _CONNECTORS]
    if len(bare) >= 2 and bare[0] not in _GENERIC_FIRST_WORDS:
        forms.append("".join(bare[:2]).replace(".", ""))
    # "VA Premier" for "Virginia Premier", "TX Children's Health Plan": a name that opens with a state's name, said
    # with the state's short form (not a Blue plan's: the family's regional forms say those)
    for row in lexicon.rows("payers", "state"):
        state = row["name"].lower()
        if plain.lower().startswith(state + " ") and len(plain.split()) > len(state.split()) \
                and not re.search(r"\bblue\b", plain.lower()):
            rest = plain.lower()[len(state):]
            words = rest.split()
            while len(words) > 1 and words[-1] in _GENERIC_TAIL:
                words.pop()  # "VA Premier" for "Virginia Premier Health Plan"
            bare_rest = [w for w in rest.split() if w not in _CONNECTORS]
            for short in (f for f in row["forms"] if len(f) >= 2):
                forms += [f"{short}{rest}", f"{short} {' '.join(words)}"]
                if len(short) == 2 and len(bare_rest) >= 2:
                    forms.append(short + "".join(w[0] for w in bare_rest))  # "AzCH" for "Arizona Complete Health"
    # "Blue Cross of Northeastern PA" for "Blue Cross of Northeastern Pennsylvania", "Physicians Health Plan of Northern
    # IN": a name that ends with a state's name, said with the state's short form
    for row in lexicon.rows("payers", "state"):
        state = row["name"].lower()
        if plain.lower().endswith(" " + state) and len(plain.split()) > len(state.split()) + 1:
            head = plain.lower()[:-len(state)]
            # (a postal code that is also a word, "pa", "me", is safe here: it ends the plan's own longer name)
            forms += [head + short for short in [*row["forms"], *row.get("glued", [])] if len(short) >= 2]
    # "VNS Health Health Plans", "CCA Health": a name that opens with its letters is said by them ("VNS"), and by them
    # with the word that follows ("VNS Health")
    opening = _OPENING_LETTERS.match(plain)
    if opening is not None:
        forms.append(f"{opening.group(1).lower()} {opening.group(2).lower()}")
    parts = _parts(name)
    initials = _initials(parts)
    taken = set(synonyms()) | lexicon.words("questions", "non_indication") | lexicon.words("payers", "line_of_business")
    if len(parts) >= 3 and initials not in taken:
        forms.append(initials)
    # "MGB Health Plan", "MGB" for "Mass General Brigham Health Plan": the initials of the name before its generic tail
    tail = len(parts)
    while tail and parts[tail - 1].lower() in _GENERIC_TAIL:
        tail -= 1
    if 3 <= tail < len(parts):
        short = "".join(w[0] for w in parts[:tail]).lower()
        forms.append(" ".join([short, *(w.lower() for w in parts[tail:])]))
        if short not in taken:
            forms.append(short)
    # "L.A. Care" for "L.A. Care Health Plan", "Peach State" for "Peach State Health Plan": the name before its
    # "Health Plan" tail, when two words or more are left
    words = re.sub(r"\([^()]*\)", " ", name).split()
    core = len(words)
    while core and (words[core - 1].lower().strip(",.") in _PLAN_TAIL
                    or core < len(words) and words[core - 1].lower() in _CONNECTORS):
        core -= 1
    if 2 <= core < len(words):
        before = " ".join(words[:core]).strip(",")
        forms.append(before.lower())
        if "." in before:
            forms.append(re.sub(r"\s+", " ", before.lower().replace(".", "")).strip())
    # "PHP" for "Physicians Health Plan of Northern Indiana": the initials of the name before its place
    head = re.split(r"\s+of\s+", re.sub(r"\([^()]*\)", " ", name).strip())
    short = _initials(_parts(head[0])) if len(head) == 2 else ""
    if len(short) >= 3 and short not in taken:
        forms.append(short)
    return forms


_APOSTROPHE = re.compile(r"['’]")
_OPENING_LETTERS = re.compile(r"([A-Z]{3,6})\s+([A-Z][a-z]+)")  # "VNS Health ...": a name that opens with its letters
_NAME_TYPOS = ((6, 1), (9, 2))  # a word of a plan's name this long, said with at most this many letters wrong


_SAID = {"1st": "first", "2nd": "second", "3rd": "third"}  # "community 1st" for Community First Health Plans


def _core(name: str, generic: bool = False) -> tuple[str, ...]:
    """A plan's name without its short form in brackets, connectors, apostrophes and its generic words: "Health Plan of
    San Joaquin" -> ("san", "joaquin"), "Cook Children's Health Plan" -> ("cook", "childrens"); with `generic`, with
    the generic word that follows them ("Clever Care Health Plan" -> ("clever", "care")), or () when none does."""
    words = re.findall(r"[a-z][a-z'’&.-]*", re.sub(r"\([^()]*\)", " ", name).lower())
    words = [w for w in (_APOSTROPHE.sub("", w).replace(".", "").strip("-") for w in words) if w and w not in _CONNECTORS]
    own = [i for i, w in enumerate(words) if w not in _GENERIC_TAIL | _PLAN_TAIL]
    if not generic:
        return tuple(words[i] for i in own)
    # from its first own word to the first generic word after its last ("clever care" of "Clever Care Health Plan")
    if not own or own[-1] + 1 >= len(words):
        return ()
    return tuple(words[own[0]:own[-1] + 2])


def _loosely(said: str, word: str, long_name: bool) -> str | None:
    """How a question's word says a word of a plan's name: "same", "s" (a possessive or plural "s" more or less:
    "cooks" for "cook"), "typo" (a few letters wrong: "samaratin"), "short" (its first letters, in a name of several
    words: "cali" for "california"), or None."""
    if said == word:
        return "same"
    if len(word) >= 4 and (said == word + "s" or said + "s" == word):
        return "s"
    allowed = max((n for size, n in _NAME_TYPOS if len(word) >= size), default=0)
    if allowed and said[:1] == word[:1] and DamerauLevenshtein.distance(said, word) <= allowed:
        return "typo"
    if long_name and len(said) >= 3 and len(word) >= len(said) + 2 and word.startswith(said):
        return "short"
    return None


def _glued(said: str, core: tuple[str, ...]) -> bool:
    """ "medmutual" for ("medical", "mutual"): a two-word name written as one word, the first word whole or clipped to
    three letters or more."""
    if len(core) != 2 or len(said) < 7 or not said.endswith(core[1]):
        return False
    head = said[:-len(core[1])]
    return len(head) >= 3 and core[0].startswith(head)


def _letters_in_order(acronym: str, parts: list[str]) -> bool:
    """ "bcnepa" in Blue Cross (of) NorthEastern PennsylvAnia: every word's first letter, in order, with more letters
    of a word after its first; at least three words, and the acronym no longer than twice their number."""
    words = [w.lower().replace(".", "") for w in parts]
    if len(words) < 3 or not 3 <= len(acronym) <= 2 * len(words) or not acronym.isalpha():
        return False

    def fits(i: int, j: int) -> bool:  # acronym[i:] from words[j:]
        if j == len(words):
            return i == len(acronym)
        word = words[j]
        if i == len(acronym) or acronym[i] != word[0]:
            return False
        # take the first letter and then any letters of the word in order, then go on with the next word
        at, k = 1, i + 1
        while True:
            if fits(k, j + 1):
                return True
            if k == len(acronym):
                return False
            found = word.find(acronym[k], at)
            if found == -1:
                return False
            at, k = found + 1, k + 1

    return fits(0, 0)


def _two_words(name: str) -> str:
    """ "CareOregon" -> "Care Oregon": a word written in two capitals, split where the second begins."""
    return re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", name)


def _head_said_short(words: list[str], at: int, head: list[str]) -> int | None:
    """Where the question's words from `at` have said every word of a plan's head, at least one of them short (a word's
    first three letters or more, or the initials of two words or more), or None."""

    def fits(i: int, k: int, short: bool) -> int | None:
        if k == len(head):
            return i if short else None
        if i == len(words):
            return None
        word = words[i]
        if word == head[k]:
            found = fits(i + 1, k + 1, short)
            if found is not None:
                return found
        if len(word) >= 3 and head[k].startswith(word) and word != head[k]:
            found = fits(i + 1, k + 1, True)
            if found is not None:
                return found
        n = len(word)
        if 2 <= n <= len(head) - k and word == "".join(w[0] for w in head[k:k + n]):
            return fits(i + 1, k + n, True)
        return None

    return fits(at, 0, False)


def _parts(name: str) -> list[str]:
    """The words of a plan's name that its initials are made of: no short form in brackets, no connectors;
    "HealthCare" is "Health Care"."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"\([^()]*\)", " ", name))
    return [w for w in re.findall(r"[A-Za-z][A-Za-z.'&-]*", words) if w.lower().strip(".") not in _CONNECTORS]


def _initials(parts: list[str]) -> str:
    """ "jhhc"; a word written with dots gives all its letters ("L.A." -> "la")."""
    return "".join(c for w in parts for c in (w.replace(".", "") if "." in w else w[0])).lower()


_CONNECTORS = {"of", "and", "the", "&", "inc", "llc", "corp", "co", "for"}
_GENERIC_TAIL = {"health", "plan", "plans", "care", "healthcare", "insurance", "company"}
_PLAN_TAIL = {"health", "plan", "plans", "healthplan", "healthplans", "insurance", "company", "inc", "llc"}


def _member_places(name: str, rows: dict[str, list[str]], glued: bool = False) -> list[str]:
    """A loaded plan's regions, from its name, its table aliases ("Wellmark": "... of Iowa", "... of South Dakota") and
    the states its table row says it serves ("Anthem": Georgia, Ohio, ...). `glued`: the state codes written only
    glued to a family name ("ok" of "bcbsok")."""
    official = canonical_payer(name) or ""
    served = [f"of {state}" for state in _served_states().get(official, ())]
    return list(dict.fromkeys(place for written in [name, *rows.get(official, ()), *served]
                              for place in _places(written, glued)))


@functools.cache
def _served_states() -> dict[str, tuple[str, ...]]:
    return {row["payer"]: tuple(row.get("states", ())) for row in lexicon.rows("payers", "payer")}


@functools.cache
def _all_places() -> tuple[str, ...]:
    """Every state as people write it in a plan's name: its name and its short forms (payers.toml [state])."""
    return tuple(dict.fromkeys(place for row in lexicon.rows("payers", "state") for place in [row["name"], *row["forms"]]))


def _places(name: str, glued: bool = False) -> list[str]:
    """The region a plan's name holds, as people say it: "... of Western New York", and a state also by its short forms
    ("of Massachusetts": "massachusetts", "ma", "mass"; "Arkansas Blue Cross ...": "arkansas", "ar", "ark")."""
    lowered = name.lower()
    if glued:
        return [code for row in lexicon.rows("payers", "state") if re.search(rf"\b{re.escape(row['name'])}\b", lowered)
                for code in row.get("glued", ())]
    places = []
    region = re.search(r"\bof ((?:[a-z]+ ){0,2}[a-z]+)$", lowered)
    if region is not None:
        places.append(region.group(1))
    for row in lexicon.rows("payers", "state"):
        if re.search(rf"\b{re.escape(row['name'])}\b", lowered):
            places += [row["name"], *row["forms"]]
    return list(dict.fromkeys(places))


def _spaced(text: str) -> str:
    """ "bluecross blueshield" is said and written as "blue cross blue shield" too, and so is "blue cross and blue
    shield" (a plan's documents and its members write the "and" or leave it out)."""
    text = re.sub(r"\bblue(cross|shield)", r"blue \1", text)
    return re.sub(r"\bblue cross (?:and|&) blue shield\b", "blue cross blue shield", text)


@functools.cache
def known_payer_aliases() -> tuple[str, ...]:
    """Every alias of every payer and brand family in the table, in the table's order."""
    return tuple(alias for group in ("payer", "family") for row in lexicon.rows("payers", group) for alias in row["aliases"])


@functools.lru_cache(maxsize=4)
def _any_word_cached(keys: frozenset[str]) -> re.Pattern[str] | None:
    """The same pattern, compiled once for the question reader and the lookups of one index (thousands of phrases)."""
    return _any_word(keys)


def _any_word(keys) -> re.Pattern[str] | None:
    """One pattern for many whole words or phrases, longest first so "blue cross of alabama" wins over "blue cross"."""
    keys = sorted(keys, key=len, reverse=True)
    if not keys:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keys) + r")\b")
