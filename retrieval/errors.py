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


class NotFoundError(PolicyQAError):
    """A code, policy or payer asked for is not in the loaded index; names it and the closest ones that are."""

    def __init__(self, field: str, value: str, message: str, close_matches: tuple[str, ...] = ()):
        super().__init__(message)
        self.field = field
        self.value = value
        self.close_matches = close_matches


class BadValueError(PolicyQAError):
    """A lookup argument (a code, a payer, a filter) has a bad value; names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
