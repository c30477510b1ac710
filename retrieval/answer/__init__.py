"""The answer side: a question in, a verdict with verbatim quotes (or an honest route elsewhere) out."""

from .compose import DISCLAIMER
from .engine import AnswerEngine
from .records import Answer, AnswerWriter, Citation

__all__ = ["DISCLAIMER", "Answer", "AnswerEngine", "AnswerWriter", "Citation"]
