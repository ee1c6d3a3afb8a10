"""Setup doctor: checks, one step at a time, that a company can send invoices to Chorus Pro.

The steps follow the order in which a company sets up its connection (PISTE
application, API subscriptions, technical account, raccordement of its
structure, bank details), so the first failed step is the one to fix.  Each
step says what it found as a code of :data:`chorus_pro.messages.MESSAGES` with its
parameters: the command line prints the English text, the add-on its user's language
(the words of the Chorus Pro and PISTE portals).  The steps that depend on a failed one are reported as "not run":
their result would only repeat the first problem.  Every API is probed even
when one fails, so that one run lists every missing subscription; the bank
details and the password expiry are independent of each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from .config import ChorusConfig
from .credentials import TECHNICAL_PASSWORD_VALIDITY_DAYS
from .errors import (
    ApiNotSubscribedError,
    BusinessError,
    ChorusProError,
    ConfigurationError,
    PisteCredentialsError,
    TechnicalAccountError,
)
from .messages import DOCTOR_STEP_TITLES
from .results import BankAccount, CheckResult
from .siret import compact_siret

#: the code of a step not run because an earlier one failed
NOT_RUN = "doctor_not_run"
#: warn when the technical password expires within this many days
PASSWORD_WARNING_DAYS = 30


@dataclass(frozen=True)
class ApiCheck:
    """Value of an API step: whether the API answered, and whether the add-on can do without it."""

    api: str
    label: str
    available: bool
    optional: bool

    @property
    def warning(self) -> bool:
        return self.optional and not self.available


@dataclass(frozen=True)
class PasswordExpiry:
    """Value of the last step: when the technical account's password expires."""

    expiry: date | None
    days_left: int | None

    @property
    def warning(self) -> bool:
        return self.days_left is not None and self.days_left < PASSWORD_WARNING_DAYS


@dataclass(frozen=True)
class _Api:
    path: str
    label: str
    optional: bool
    probe: Callable


# A cheap read per API, through the client's own operations (their bodies follow the Swagger).
# Any answer that went past the PISTE gateway (a result, a business error) proves the subscription.
_PROBE_NUMBER = "CONTROLE-RACCORDEMENT"


def _probe_factures(client):
    next(iter(client.factures.iter_supplier_invoices(invoice_number=_PROBE_NUMBER, page_size=1)), None)


def _probe_structures(client):
    client.structures.search("00000000000000")


def _probe_transverses(client):
    client.transverses.supplier_structures()


def _probe_utilisateurs(client):
    client.utilisateurs.my_attachments()


def _probe_engagements(client):
    client.engagements_juridiques.search(0, _PROBE_NUMBER)


def _probe_works(client):
    next(iter(client.factures_travaux.iter_invoices(number=_PROBE_NUMBER, page_size=1)), None)


#: the APIs a supplier uses, in the order of the PISTE catalogue
APIS = (
    _Api("factures", "Factures", False, _probe_factures),
    _Api("structures", "Structures", False, _probe_structures),
    _Api("transverses", "Transverses", False, _probe_transverses),
    _Api("utilisateurs", "Utilisateurs", False, _probe_utilisateurs),
    _Api("engagementsJuridiques", "EngagementsJuridiques", True, _probe_engagements),
    _Api("facturesTravaux", "FacturesTravaux", True, _probe_works),
)
#: the name of each API by its step's key
API_LABELS = {f"api_{api.path}": api.label for api in APIS}


def _failed(key, code, params=None, value=None) -> CheckResult:
    return CheckResult(key, False, code, {name: str(v) for name, v in (params or {}).items()}, value)


def _passed(key, code, params=None, value=None) -> CheckResult:
    return CheckResult(key, True, code, {name: str(v) for name, v in (params or {}).items()}, value)


def _unexpected(key, error: ChorusProError) -> CheckResult:
    """A failure that is not the one the step looks for (network, unreadable answer…); the error is its value."""
    code = "doctor_unexpected_retry" if error.retryable else "doctor_unexpected"
    return _failed(key, code, {"detail": error.message_en}, error)


# -- the steps -----------------------------------------------------------------------------------
def check_settings(config: ChorusConfig) -> CheckResult:
    try:
        config.validate()
    except ConfigurationError as error:
        if not error.code:
            return _unexpected("settings", error)
        return _failed("settings", error.code, error.params, error)
    return _passed("settings", "doctor_settings_ok", {"environment": config.environment.value})


def check_token(client) -> CheckResult:
    try:
        client.access_token()
    except PisteCredentialsError as error:
        return _failed("piste_token", "doctor_piste_refused", value=error)
    except ChorusProError as error:
        return _unexpected("piste_token", error)
    return _passed("piste_token", "doctor_piste_ok")


def check_api(client, api: _Api) -> CheckResult:
    key = f"api_{api.path}"
    try:
        api.probe(client)
    except ApiNotSubscribedError:
        value = ApiCheck(api.path, api.label, False, api.optional)
        params = {"api": api.label, "purpose": api.path}
        if api.optional:
            # the add-on works without it; only the features named by its purpose are missing
            return _passed(key, "doctor_api_optional_missing", params, value)
        return _failed(key, "doctor_api_not_subscribed", params, value)
    except (BusinessError, TechnicalAccountError):
        pass  # the gateway let the call through: the API is subscribed (the account is the next step)
    except ChorusProError as error:
        return _unexpected(key, error)
    return _passed(key, "doctor_api_ok", {"api": api.label}, ApiCheck(api.path, api.label, True, api.optional))


def check_technical_account(client) -> CheckResult:
    try:
        client.utilisateurs.my_attachments()
    except TechnicalAccountError as error:
        return _failed("technical_account", "doctor_technical_account_refused",
                       {"days": TECHNICAL_PASSWORD_VALIDITY_DAYS}, error)
    except ChorusProError as error:
        return _unexpected("technical_account", error)
    return _passed("technical_account", "doctor_technical_account_ok")


def check_supplier(client, supplier_siret: str | None) -> CheckResult:
    try:
        structures = {s.identifier: (s.id, s.name) for s in client.transverses.supplier_structures()}
        for attachment in client.utilisateurs.my_attachments():
            structures.setdefault(attachment.identifier, (attachment.structure_id, attachment.name))
    except ChorusProError as error:
        return _unexpected("supplier", error)
    listed = ", ".join(f"{name} ({siret})" for siret, (_id, name) in structures.items())
    if supplier_siret:
        siret = compact_siret(supplier_siret)
        if siret not in structures:
            return _failed("supplier", "doctor_supplier_not_attached", {"siret": siret, "seen": listed or "-"})
        structure_id, name = structures[siret]
    elif not structures:
        return _failed("supplier", "doctor_no_supplier_structure")
    else:
        siret, (structure_id, name) = next(iter(structures.items()))
    params = {"name": name, "siret": siret, "structure_id": structure_id}
    if len(structures) > 1 and not supplier_siret:
        return _passed("supplier", "doctor_supplier_ok_several", dict(params, structures=listed), structure_id)
    return _passed("supplier", "doctor_supplier_ok", params, structure_id)


def check_bank_accounts(client, supplier_id: int) -> CheckResult:
    try:
        accounts: list[BankAccount] = client.transverses.valid_bank_accounts(supplier_id)
    except ChorusProError as error:
        return _unexpected("bank_accounts", error)
    if not accounts:
        return _failed("bank_accounts", "doctor_no_bank_account", value=[])
    names = ", ".join(account.name for account in accounts)
    return _passed("bank_accounts", "doctor_bank_accounts", {"count": len(accounts), "names": names}, list(accounts))


def check_password_expiry(client, supplier_id: int, today: date) -> CheckResult:
    try:
        details = client.structures.get(supplier_id)
    except ChorusProError as error:
        return _unexpected("password_expiry", error)
    expiry = details.technical_password_expiry
    if expiry is None:
        return _passed("password_expiry", "doctor_password_no_expiry", {"days": TECHNICAL_PASSWORD_VALIDITY_DAYS},
                       PasswordExpiry(None, None))
    expiry_day = expiry.date() if isinstance(expiry, datetime) else expiry
    days = (expiry_day - today).days
    value = PasswordExpiry(expiry_day, days)
    if days < 0:
        return _failed("password_expiry", "doctor_password_expired", {"expiry": expiry_day.isoformat()}, value)
    code = "doctor_password_expires_soon" if value.warning else "doctor_password_expires"
    return _passed("password_expiry", code, {"expiry": expiry_day.isoformat(), "days": days}, value)


# -- running them --------------------------------------------------------------------------------
#: the key of every step, in order, for the "not run" lines
STEPS = ("settings", "piste_token", *API_LABELS, "technical_account", "supplier", "bank_accounts",
         "password_expiry")


def step_title_en(key: str) -> str:
    """The English title of the step ``key``."""
    if key in API_LABELS:
        return DOCTOR_STEP_TITLES["api"].format(api=API_LABELS[key])
    return DOCTOR_STEP_TITLES[key]


def run_doctor(client_or_config, *, supplier_siret: str | None = None, today: date | None = None,
               simulator=None, on_result: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    """Run every step in order and return one :class:`CheckResult` per step.

    ``client_or_config``: a :class:`~chorus_pro.client.ChorusProClient`, or a
    :class:`ChorusConfig` (a client is then created and closed here).
    ``supplier_siret``: the company's SIRET, which must be among the structures
    of the technical account.  ``today`` replaces the client's current day (:meth:`ChorusProClient.today`).
    ``on_result`` is called with each result as soon as its step is done (a slow
    platform does not leave the person waiting in silence), "not run" steps included.
    """
    from .client import ChorusProClient

    owned = isinstance(client_or_config, ChorusConfig)
    # the client fills empty credentials with the simulator's in the simulation environment: check those
    config = (client_or_config if owned else client_or_config.config).with_simulation_defaults()
    results: list[CheckResult] = []

    def done(*step_results: CheckResult) -> bool:
        """Record the results; True when they all passed."""
        for result in step_results:
            results.append(result)
            if on_result is not None:
                on_result(result)
        return all(result.passed for result in step_results)

    def finish():
        keys = {result.key for result in results}
        done(*(_failed(key, NOT_RUN) for key in STEPS if key not in keys))
        return results

    if not done(check_settings(config)):
        return finish()
    client = ChorusProClient(config, simulator=simulator) if owned else client_or_config
    today = today or client.today()
    try:
        if not done(check_token(client)):
            return finish()
        # every API is probed, so that one run lists all the missing subscriptions
        if not all([done(check_api(client, api)) for api in APIS]):
            return finish()
        if not done(check_technical_account(client)):
            return finish()
        supplier = check_supplier(client, supplier_siret)
        if not done(supplier):
            return finish()
        done(check_bank_accounts(client, supplier.value))
        done(check_password_expiry(client, supplier.value, today))
        return finish()
    finally:
        if owned:
            client.close()


def doctor_ok(results: list[CheckResult]) -> bool:
    return bool(results) and all(result.passed for result in results)


def is_warning(result: CheckResult) -> bool:
    """A step that passed but needs attention (expiring password, optional API missing)."""
    return result.passed and bool(getattr(result.value, "warning", False))


def first_failure(results: list[CheckResult]) -> CheckResult | None:
    return next((result for result in results if not result.passed), None)


def supplier_structure_id(results: list[CheckResult]) -> int | None:
    """The supplier's Chorus Pro structure id learnt by the doctor, if it got that far."""
    return next((r.value for r in results if r.key == "supplier" and r.passed), None)


def format_step(result: CheckResult) -> str:
    """The two lines of one step in the command line's report: its mark and title, then what to know or do."""
    if not result.passed:
        mark = "[--]" if result.code == NOT_RUN else "[KO]"
    else:
        mark = "[!!]" if is_warning(result) else "[OK]"
    return f"{mark} {step_title_en(result.key)}\n     {result.message_en}"


def format_conclusion(results: list[CheckResult]) -> str:
    """The last lines of the report, once every step is known."""
    failure = first_failure(results)
    if failure is not None:
        return f"Connection with Chorus Pro not established: fix the step \"{step_title_en(failure.key)}\"."
    lines = ["Connection with Chorus Pro established."]
    if any(is_warning(result) for result in results):
        lines.append("Some points need your attention (lines marked [!!]).")
    return "\n".join(lines)


def format_report(results: list[CheckResult]) -> str:
    """The report of the command line: one step after the other, then the conclusion."""
    return "\n".join([*(format_step(result) for result in results), format_conclusion(results)])


__all__ = [
    "API_LABELS", "APIS", "NOT_RUN", "ApiCheck", "PasswordExpiry", "STEPS", "doctor_ok", "first_failure",
    "format_conclusion", "format_report", "format_step", "is_warning", "run_doctor", "step_title_en",
    "supplier_structure_id",
]
