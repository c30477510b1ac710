"""Policy Q&A: answers coverage questions from health-plan medical policies, with verbatim quotes."""

__version__ = "0.1.0"
