"""`python -m evals.synth`: a deterministic synthetic corpus of medical policies, with questions whose answers are known."""

# For scale and speed (the benchmark), never a substitute for the hand-written gold set: every payer here is invented,
# and the policies are assembled from templates, so their wording is far more regular than real policies.
# The n-policy corpus of a seed is a prefix of the (n+1)-policy corpus of the same seed.
# The data (payers, services, wording tables) lies in catalogue.toml; catalogue.py loads and checks it,
# generate.py builds policies and questions from it, render.py writes them out as text, and cli.py as a folder.

from .catalogue import (
    AUTHORS,
    CATALOGUE,
    CATEGORY_NUMBER,
    DEFINITIONS,
    DISCLAIMERS,
    HEADER_LABELS,
    HEADINGS,
    JOURNALS,
    LINES_OF_BUSINESS,
    MONTHS,
    PAYERS,
    QUALIFIER,
    SERVICES,
    STYLES,
    Catalogue,
    CatalogueError,
    Criterion,
    Payer,
    Service,
    payers,
)
from .cli import GENERATOR_VERSION, main, summary, write
from .document import Codes, Items, Para, Policy, Question, Section, Sub
from .generate import DEFAULT_SEED, Corpus, build_policy, generate, max_policies, pairs
from .render import render, resolve_quote, visible_text

__all__ = [
    "AUTHORS", "CATALOGUE", "CATEGORY_NUMBER", "DEFAULT_SEED", "DEFINITIONS", "DISCLAIMERS", "GENERATOR_VERSION",
    "HEADER_LABELS", "HEADINGS", "JOURNALS", "LINES_OF_BUSINESS", "MONTHS", "PAYERS", "QUALIFIER", "SERVICES",
    "STYLES", "Catalogue", "CatalogueError", "Codes", "Corpus", "Criterion", "Items", "Para", "Payer", "Policy",
    "Question", "Section", "Service", "Sub", "build_policy", "generate", "main", "max_policies", "pairs", "payers",
    "render", "resolve_quote", "summary", "visible_text", "write",
]
