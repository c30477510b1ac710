"""Which payers a question names: every way people say a loaded payer (lexicon/payers.toml), brand families, and
payers the table knows that have no policy loaded."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .. import lexicon
from ..metadata import canonical_payer

# First words too common to name a payer on their own ("Blue Cross ...", "Health Alliance ...").
_GENERIC_FIRST_WORDS = {"blue", "health", "medical", "united", "national", "first", "community", "the"}


class PayerNames:
    def __init__(self, loaded: Iterable[str]):
        self.loaded = list(dict.fromkeys(loaded))
        self._named: dict[str, set[str]] = {}  # lower-cased alias -> the loaded payers it names
        rows = {row["payer"]: row["aliases"] for row in lexicon.rows("payers", "payer")}
        for name in self.loaded:
            self._add(name.lower(), name)
            # "Blue Cross Blue Shield of Arizona (AZ Blue)": the name without its short form, and the short form
            short = re.search(r"\(([^()]{2,30})\)\s*$", name)
            if short is not None:
                self._add(name[:short.start()].strip().lower(), name)
                self._add(short.group(1).strip().lower(), name)
            official = canonical_payer(name)
            for alias in rows.get(official, ()) if official is not None else ():
                self._add(alias, name)
            # a loaded payer's own first word names it too ("Does Horizon cover ...", "my Excellus plan")
            first = name.split()[0].lower()
            if len(first) >= 4 and first not in _GENERIC_FIRST_WORDS:
                self._named.setdefault(first, {name})
        for row in lexicon.rows("payers", "family"):
            members = {name for name in self.loaded if any(m in name.lower() for m in row["members_contain"])}
            for alias in row["aliases"]:
                if members and alias not in self._named:
                    self._named[alias] = members
            # a regional member by its family name and its region: "blue cross michigan", "bcbs of tennessee"
            for name in members:
                for place in _member_places(name, rows):
                    for alias in row["aliases"]:
                        for form in row.get("regional_forms", ()):
                            self._named.setdefault(_spaced(form.format(alias=alias, place=place)), set()).add(name)
        self._pattern = _any_word(self._named)
        # payers the table knows that are not loaded, in the table's order: a question naming one gets "not loaded"
        self._unknown = [(alias, re.compile(rf"\b{re.escape(_spaced(alias))}\b"))
                         for group in ("payer", "family") for row in lexicon.rows("payers", group)
                         for alias in row["aliases"] if alias not in self._named]
        self.words = " ".join(self._named)

    def mentions(self, expanded: str) -> list[str]:
        """The words that name a loaded payer in the text ("bcbs of tennessee", "blue cross nc"): they name the plan,
        not what is asked about."""
        if self._pattern is None:
            return []
        return [m.group(0) for m in self._pattern.finditer(_spaced(expanded))]

    def _add(self, alias: str, name: str) -> None:
        self._named.setdefault(_spaced(alias), set()).add(name)

    def find(self, expanded: str) -> tuple[tuple[str, ...], str | None]:
        """(loaded payers named, in load order; the first payer named that has no policy loaded, when none is)."""
        named: set[str] = set()
        expanded = _spaced(expanded)
        if self._pattern is not None:
            for match in self._pattern.finditer(expanded):
                named |= self._named[match.group(0)]
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


def _member_places(name: str, rows: dict[str, list[str]]) -> list[str]:
    """A loaded plan's regions, from its name and its table aliases ("Wellmark": "... of Iowa", "... of South Dakota")."""
    return list(dict.fromkeys(place for written in [name, *rows.get(canonical_payer(name) or "", ())]
                              for place in _places(written)))


def _places(name: str) -> list[str]:
    """The region a plan's name holds, as people say it: "... of Western New York", and a state also by its short forms
    ("of Massachusetts": "massachusetts", "ma", "mass"; "Arkansas Blue Cross ...": "arkansas", "ar", "ark")."""
    lowered = name.lower()
    places = []
    region = re.search(r"\bof ((?:[a-z]+ ){0,2}[a-z]+)$", lowered)
    if region is not None:
        places.append(region.group(1))
    for row in lexicon.rows("payers", "state"):
        if re.search(rf"\b{re.escape(row['name'])}\b", lowered):
            places += [row["name"], *row["forms"]]
    return list(dict.fromkeys(places))


def _spaced(text: str) -> str:
    """ "bluecross blueshield" is said and written as "blue cross blue shield" too."""
    return re.sub(r"\bblue(cross|shield)", r"blue \1", text)


def known_payer_aliases() -> tuple[str, ...]:
    """Every alias of every payer and brand family in the table, in the table's order."""
    return tuple(alias for group in ("payer", "family") for row in lexicon.rows("payers", group) for alias in row["aliases"])


def _any_word(keys) -> re.Pattern[str] | None:
    """One pattern for many whole words or phrases, longest first so "blue cross of alabama" wins over "blue cross"."""
    keys = sorted(keys, key=len, reverse=True)
    if not keys:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keys) + r")\b")
