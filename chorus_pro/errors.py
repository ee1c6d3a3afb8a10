"""Typed errors of the Chorus Pro client.

Every error carries two messages: ``message_fr`` for the people who use the
Odoo add-on (what happened and what to do, in French) and ``message_en`` for
logs and the command line.  ``str(error)`` is the English message.  No error
ever contains a secret: messages are built from field names and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass


class ChorusProError(Exception):
    """Base class of every error raised by :mod:`chorus_pro`."""

    #: whether calling again later may succeed without any change by a person
    retryable = False

    def __init__(self, message_en: str, message_fr: str | None = None, *, field: str | None = None):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_fr = message_fr or message_en
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

    def __init__(self, message_en: str, message_fr: str | None = None, *, api: str | None = None):
        super().__init__(message_en, message_fr, field=None)
        self.api = api


class BusinessError(ChorusProError):
    """Chorus Pro answered with ``codeRetour`` different from 0.

    ``operation`` is the API path tail (e.g. ``factures/v1/soumettre``),
    ``code`` the ``codeRetour`` and ``libelle`` the message code.  Codes are
    reused across operations, so the pair (operation, code) is what matters.
    """

    def __init__(self, operation: str, code: int, libelle: str, detail: str = "", *, http_status: int = 200):
        self.operation = operation
        self.code = code
        self.libelle = libelle
        self.detail = detail
        self.http_status = http_status
        en = f"Chorus Pro refused {operation}: codeRetour {code} ({libelle})"
        fr = f"Chorus Pro a refusé l'opération {operation} : code {code} ({libelle})"
        if detail:
            en += f": {detail}"
            fr += f" : {detail}"
        super().__init__(en, fr)


class TransientError(ChorusProError):
    """Timeout, connection failure, HTTP 5xx or 429: try again later.

    ``retry_after`` is the delay asked by the server (seconds), if any.
    """

    retryable = True

    def __init__(self, message_en: str, message_fr: str | None = None, *, retry_after: float | None = None,
                 http_status: int | None = None):
        super().__init__(message_en, message_fr)
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
        en = (f"The answer of {operation} for {reference or 'the document'} was lost ({cause}); "
              "search Chorus Pro for it before sending it again")
        fr = (f"La réponse de Chorus Pro à l'opération {operation} pour {reference or 'le document'} a été perdue "
              f"({cause}) ; la facture sera recherchée sur Chorus Pro avant tout nouvel envoi")
        super().__init__(en, fr)


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
        super().__init__(
            f"Invoice {invoice_number} is already on Chorus Pro (Chorus Pro id {invoice_id}, status {status}); "
            "nothing was sent",
            f"La facture {invoice_number} est déjà sur Chorus Pro (identifiant {invoice_id}, statut {status}) ; "
            "rien n'a été envoyé.",
            field="number")


class ProtocolError(ChorusProError):
    """The answer could not be understood (malformed JSON, unexpected shape)."""

    retryable = True


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found in a document before sending it."""

    field: str
    message_fr: str
    message_en: str


class DocumentValidationError(ChorusProError):
    """A document failed validation before any call: every issue names the field and the fix."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        en = "The document cannot be sent to Chorus Pro:\n" + "\n".join(f"- {i.message_en}" for i in self.issues)
        fr = "Le document ne peut pas être envoyé à Chorus Pro :\n" + "\n".join(f"- {i.message_fr}" for i in self.issues)
        super().__init__(en, fr, field=self.issues[0].field if self.issues else None)
