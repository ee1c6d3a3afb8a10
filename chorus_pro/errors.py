"""Typed errors of the Chorus Pro client.

Every error a user can meet carries a stable ``code`` of :data:`chorus_pro.messages.MESSAGES` and its
``params`` (plain strings), from which a user interface says what happened in its user's language, and
``message_en``, the English text for logs and the command line.  ``str(error)`` is the English message.  No
error ever contains a secret: messages are built from field names and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from .messages import message_en as _message_en


class ChorusProError(Exception):
    """Base class of every error raised by :mod:`chorus_pro`.

    Give either ``code`` and ``params`` (the English message is made from them), or only an English message
    for an error no user interface can provoke (the command line's own errors).
    """

    #: whether calling again later may succeed without any change by a person
    retryable = False

    def __init__(self, message_en: str | None = None, *, code: str = "", params: dict | None = None,
                 field: str | None = None):
        self.code = code
        self.params = {name: str(value) for name, value in (params or {}).items()}
        if message_en is None:
            message_en = _message_en(code, self.params)
        super().__init__(message_en)
        self.message_en = message_en
        self.field = field

    def __str__(self) -> str:
        return self.message_en


class ConfigurationError(ChorusProError):
    """A setting is missing or invalid; nothing was sent."""


class AuthenticationError(ChorusProError):
    """PISTE or Chorus Pro refused the credentials."""


class PisteCredentialsError(AuthenticationError):
    """The PISTE client id or secret was refused by the OAuth server."""


class TechnicalAccountError(AuthenticationError):
    """Chorus Pro refused the technical account (``cpro-account`` header)."""


class ApiNotSubscribedError(AuthenticationError):
    """The PISTE application is not subscribed to this Chorus Pro API (CGU not accepted)."""

    def __init__(self, api: str):
        super().__init__(code="api_not_subscribed", params={"api": api})
        self.api = api


class BusinessError(ChorusProError):
    """Chorus Pro answered with ``codeRetour`` different from 0.

    ``operation`` is the API path tail (e.g. ``factures/v1/soumettre``),
    ``return_code`` the ``codeRetour`` and ``libelle`` the message code.  Codes are
    reused across operations, so the pair (operation, return_code) is what matters.
    """

    def __init__(self, operation: str, return_code: int, libelle: str, detail: str = "", *, http_status: int = 200):
        self.operation = operation
        self.return_code = return_code
        self.libelle = libelle
        self.detail = detail
        self.http_status = http_status
        params = {"operation": operation, "return_code": return_code, "libelle": libelle}
        if detail:
            super().__init__(code="business_error_detail", params=dict(params, detail=detail))
        else:
            super().__init__(code="business_error", params=params)


class TransientError(ChorusProError):
    """Timeout, connection failure, HTTP 5xx or 429: try again later.

    ``retry_after`` is the delay asked by the server (seconds), if any.
    """

    retryable = True

    def __init__(self, *, code: str, params: dict | None = None, retry_after: float | None = None,
                 http_status: int | None = None):
        super().__init__(code=code, params=params)
        self.retry_after = retry_after
        self.http_status = http_status


class OutcomeUnknownError(ChorusProError):
    """A deposit was sent but its answer was lost.

    Chorus Pro may or may not have created the invoice.  It must never be sent
    again blindly: search it first (``client.deposits.find``, :meth:`chorus_pro.deposits.Deposits.find`).
    """

    retryable = True

    def __init__(self, operation: str, reference: str | None, cause: str):
        self.operation = operation
        self.reference = reference
        super().__init__(code="outcome_unknown",
                         params={"operation": operation, "reference": reference or "?", "cause": cause})


class WriteInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM made a KeyboardInterrupt) while a write was on its way to Chorus Pro.

    Still a KeyboardInterrupt, so the program stops as asked.  Chorus Pro may have
    received and processed the write: ``outcome`` is the :class:`OutcomeUnknownError`
    to report, and the document must be searched before it is sent again.
    """

    def __init__(self, outcome: OutcomeUnknownError):
        super().__init__(outcome.message_en)
        self.outcome = outcome


class DuplicateInvoiceError(ChorusProError):
    """The invoice number is already on Chorus Pro (a deposit that is not deleted); nothing was sent."""

    def __init__(self, invoice_number: str, invoice_id: int, status: str):
        self.invoice_number, self.invoice_id, self.status = invoice_number, invoice_id, status
        super().__init__(code="duplicate_invoice",
                         params={"number": invoice_number, "invoice_id": invoice_id, "status": status},
                         field="number")


class ProtocolError(ChorusProError):
    """The answer could not be understood (malformed JSON, unexpected shape)."""

    retryable = True


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found in a document before sending it: the field, and what is wrong as a code of
    :data:`chorus_pro.messages.MESSAGES` with its parameters (plain strings)."""

    field: str
    code: str
    params: dict = dataclass_field(default_factory=dict, hash=False)

    @property
    def message_en(self) -> str:
        return _message_en(self.code, self.params)


class DocumentValidationError(ChorusProError):
    """A document failed validation before any call: every issue names the field and the fix."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        listed = "\n".join(f"- {issue.field}: {issue.message_en}" for issue in self.issues)
        super().__init__(code="document_invalid", params={"issues": listed},
                         field=self.issues[0].field if self.issues else None)
