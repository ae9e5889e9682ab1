"""The one exception tree. Every error carries a stable code, a message and a hint.

The API maps these to HTTP statuses in one handler (service/api.py); the CLI prints one line
and exits non-zero (service/cli.py). Nothing else catches them to translate.
"""


class MinerlensError(Exception):
    code = "error"
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else type(self).hint
        self.context = context

    def __str__(self) -> str:
        return self.message


class BadInput(MinerlensError):
    """The caller sent something we cannot use (bad file, bad parameter)."""

    code = "bad_input"


class UnsupportedFormat(BadInput):
    code = "unsupported_format"
    hint = "Supported: .htm/.html (incl. inline XBRL), EDGAR complete-submission .txt, .pdf, plain .txt."


class EmptyDocument(BadInput):
    code = "empty_document"
    hint = "The file has no text to index."


class CorruptDocument(BadInput):
    code = "corrupt_document"
    hint = "The file could not be parsed; check that it is not truncated or mislabelled."


class TooLarge(BadInput):
    code = "too_large"
    hint = "Raise MINERLENS_MAX_UPLOAD_MB or split the file."


class NotFound(MinerlensError):
    code = "not_found"


class ConfigError(MinerlensError):
    """The installation is misconfigured (settings, missing model, bad URL)."""

    code = "config_error"


class UpstreamError(MinerlensError):
    """A remote service (EDGAR, an LLM endpoint) failed or refused."""

    code = "upstream_error"


class RateLimited(UpstreamError):
    code = "rate_limited"


class OverBudget(BadInput):
    """A document would cost more than the per-document budget (parse time, tables, chunks, memory)."""

    code = "over_budget"
    hint = "Raise the MINERLENS_MAX_DOC_* budget settings, or split the file."


class DocumentFailed(MinerlensError):
    """An unexpected error while handling one document: it fails alone, the service goes on."""

    code = "document_failed"
    hint = "The server log has the traceback; the document was not stored."


class Unauthorized(MinerlensError):
    code = "unauthorized"
    hint = "Send 'Authorization: Bearer <MINERLENS_API_TOKEN>'."


class Forbidden(MinerlensError):
    code = "forbidden"


def reason(exc: BaseException, limit: int = 200) -> str:
    """What went wrong, on one bounded line, for a user to read: the exception's message (an OS
    error's own words), never its class name, which belongs with the traceback in the log."""
    text = " ".join(str(getattr(exc, "strerror", None) or exc).split()) or "no detail given"
    return text if len(text) <= limit else text[: limit - 1] + "…"
