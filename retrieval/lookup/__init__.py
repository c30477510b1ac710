"""Read-only lookups over the served index, for the HTTP API and LangChain: policies, passages, codes, prior approval."""

from __future__ import annotations

from typing import Any

from ..answer import AnswerEngine
from ..errors import BadValueError, NotFoundError
from ..search import PolicyRecord
from .catalogue import CodeCatalogue, normalise
from .codes import CodeInPolicy, CodeReader, PriorApprovalInPolicy
from .policies import MAX_K, PassageHit, Policies, detail, summary

MAX_CODES = 50


class Lookup:
    """Everything a lookup reads, over one answer engine (one loaded index, its policy views and question reader)."""

    def __init__(self, engine: AnswerEngine):
        self.engine = engine
        self.index = engine.index
        self.catalogue = CodeCatalogue(self.index)
        self.policies = Policies(self.index)
        self.codes = CodeReader(engine, self.catalogue)

    @property
    def generation(self) -> str:
        return self.index.generation

    def list_policies(self, *, payer: str | None = None, code: str | None = None, text: str | None = None) -> list[dict[str, Any]]:
        doc_keys = self._listing(normalise(code)) if code is not None else None
        return [summary(r) for r in self._ordered(self.policies.select(payer=payer, doc_keys=doc_keys, text=text))]

    def policy(self, policy_id: str, payer: str | None = None) -> dict[str, Any]:
        record = self.policies.get(policy_id, payer)
        return detail(record, self.catalogue.codes_of(record.doc_key))

    def search(self, query: str, *, k: int = 5, payer: str | None = None, code: str | None = None) -> list[PassageHit]:
        if not query.strip():
            raise BadValueError("q", "the search text is empty")
        doc_keys = None
        if payer is not None or code is not None:
            listed = self._listing(normalise(code)) if code is not None else None
            doc_keys = {r.doc_key for r in self.policies.select(payer=payer, doc_keys=listed)}
            if not doc_keys:
                return []
        return self.policies.search(query, k=k, doc_keys=doc_keys)

    def code(self, code: str, payer: str | None = None) -> list[CodeInPolicy]:
        """Every loaded policy that lists the code (of the payer, when one is named), with its position."""
        code = normalise(code)
        keys = [r.doc_key for r in self._ordered(self.policies.select(payer=payer, doc_keys=self._listing(code)))]
        return [self.codes.position(code, key) for key in keys]

    def prior_approval(self, codes: list[str], payer: str | None = None) -> list[dict[str, Any]]:
        """For each code: the policies that list it and what each says about prior approval; an unknown code gets
        found=false and its close matches instead of failing the whole request."""
        if not codes:
            raise BadValueError("codes", "codes is empty: give at least one code")
        if len(codes) > MAX_CODES:
            raise BadValueError("codes", f"{len(codes)} codes; the limit is {MAX_CODES} a request")
        wanted = self.policies.payers(payer) if payer is not None else None
        out = []
        for n, raw in enumerate(codes):
            try:
                code = normalise(raw)
            except BadValueError as exc:
                raise BadValueError(f"codes[{n}]", str(exc)) from None
            if code not in self.catalogue:
                out.append({"code": code, "found": False, "policies": [],
                            "close_matches": list(self.catalogue.close_matches(code))})
                continue
            records = [self.index.policies[k] for k in self.catalogue.policies_with(code)]
            keys = [r.doc_key for r in self._ordered(records) if wanted is None or r.meta.payer in wanted]
            results: list[PriorApprovalInPolicy] = [self.codes.prior_approval(code, key) for key in keys]
            out.append({"code": code, "found": True, "policies": [r.to_dict() for r in results], "close_matches": []})
        return out

    @staticmethod
    def _ordered(records: list[PolicyRecord]) -> list[PolicyRecord]:
        """By payer, then policy number: the same order however the store returned them."""
        return sorted(records, key=lambda r: (r.meta.payer.lower(), r.meta.policy_id.lower(), r.doc_key))

    def _listing(self, code: str) -> list[str]:
        keys = self.catalogue.policies_with(code)
        if not keys:
            raise NotFoundError("code", code, f"no loaded policy lists the code {code}", self.catalogue.close_matches(code))
        return keys


__all__ = ["MAX_CODES", "MAX_K", "CodeInPolicy", "Lookup", "PassageHit", "PriorApprovalInPolicy"]
