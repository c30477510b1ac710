"""Errors the product raises on purpose; each message names the bad value."""


class PolicyQAError(Exception):
    """Base class: every error the product raises on purpose."""


class DocumentError(PolicyQAError):
    """A policy document could not be loaded; names the file and why."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ConfigError(PolicyQAError):
    """A setting (environment variable or option) has a bad value."""


class IndexMissingError(PolicyQAError):
    """No index has been built at the configured location."""


class IndexCorruptError(PolicyQAError):
    """The index folder exists but cannot be read."""


class IndexUnavailableError(PolicyQAError):
    """The Chroma server that holds the index cannot be reached or refused the credentials; names the URL."""


class IndexBusyError(PolicyQAError):
    """Another process is writing the index."""


class QuestionError(PolicyQAError):
    """A question is empty, too long or not text."""


class QuoteIntegrityError(PolicyQAError):
    """A quote about to leave the engine does not match its source text."""
