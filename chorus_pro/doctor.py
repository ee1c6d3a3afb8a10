"""Setup doctor: checks, one step at a time, that a company can send invoices to Chorus Pro.

The steps follow the order in which a company sets up its connection (PISTE
application, API subscriptions, technical account, raccordement of its
structure, bank details), so the first failed step is the one to fix.  Each
failed step says what to do, in French (the words of the Chorus Pro and PISTE
portals).  The steps that depend on a failed one are reported as "not run":
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
from .results import BankAccount, CheckResult
from .siret import compact_siret

NOT_RUN_FR = "Étape non vérifiée : corrigez d'abord l'étape précédente"
NOT_RUN_EN = "Not checked: fix the previous step first"
#: warn when the technical password expires within this many days
PASSWORD_WARNING_DAYS = 30

_RACCORDEMENT_FR = ("Dans Chorus Pro, espace « Raccordement EDI/API » de la structure, déclarez le raccordement "
                    "API lié à votre application PISTE et rattachez le compte technique à la structure "
                    "du fournisseur.")


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
    purpose_fr: str
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
    _Api("factures", "Factures", False, "dépôt et suivi des factures", _probe_factures),
    _Api("structures", "Structures", False, "recherche des acheteurs publics et de leurs services",
         _probe_structures),
    _Api("transverses", "Transverses", False, "pièces jointes, structures et coordonnées bancaires",
         _probe_transverses),
    _Api("utilisateurs", "Utilisateurs", False, "rattachements du compte technique", _probe_utilisateurs),
    _Api("engagementsJuridiques", "EngagementsJuridiques", True, "contrôle des numéros d'engagement juridique",
         _probe_engagements),
    _Api("facturesTravaux", "FacturesTravaux", True,
         "projets de décompte et situations de travaux (cadres A4, A7, A8…)", _probe_works),
)


def _failed(key, title, message_fr, message_en, value=None) -> CheckResult:
    return CheckResult(key, title, False, message_fr, message_en, value)


def _passed(key, title, message_fr, message_en, value=None) -> CheckResult:
    return CheckResult(key, title, True, message_fr, message_en, value)


#: the French words of the settings the first step checks
_SETTINGS_FR = {
    "piste_client_id": "l'identifiant client PISTE (client ID)",
    "piste_client_secret": "le secret client PISTE (client secret)",
    "tech_login": "l'identifiant du compte technique",
    "tech_password": "le mot de passe du compte technique",
}


def _settings_fr(error: ConfigurationError) -> str:
    if error.code == "setting_missing":
        return (f"Paramètre Chorus Pro manquant : {_SETTINGS_FR[error.field]}. Renseignez-le dans la configuration "
                "Chorus Pro.")
    if error.code == "tech_login_format":
        return ("L'identifiant du compte technique doit ressembler à TECH_1_…@cpro.fr (le compte technique créé "
                "dans l'espace « Raccordement EDI/API » de Chorus Pro).")
    return f"Paramètre Chorus Pro invalide : {error.message_en}."


def _unexpected(key, title, error: ChorusProError, todo_fr: str = "") -> CheckResult:
    """A failure that is not the one the step looks for (network, unreadable answer…)."""
    fr = f"Chorus Pro ou PISTE n'a pas répondu comme prévu ({error.message_en})."
    if error.retryable:
        fr += " Réessayez dans quelques minutes ; si le problème persiste, consultez la météo de Chorus Pro."
    elif todo_fr:
        fr += " " + todo_fr
    return _failed(key, title, fr, error.message_en, error)


# -- the steps -----------------------------------------------------------------------------------
def check_settings(config: ChorusConfig) -> CheckResult:
    title = "Paramètres de connexion complets"
    try:
        config.validate()
    except ConfigurationError as error:
        return _failed("settings", title, _settings_fr(error), error.message_en, error)
    return _passed("settings", title,
                   f"Environnement {config.environment.value}, application PISTE et compte technique renseignés.",
                   f"Environment {config.environment.value}: PISTE application and technical account are set.")


def check_token(client) -> CheckResult:
    title = "Identifiants de l'application PISTE (jeton d'accès)"
    try:
        client.access_token()
    except PisteCredentialsError as error:
        return _failed(
            "piste_token", title,
            "PISTE refuse l'identifiant client ou le secret. Vérifiez le client ID et le secret de l'application "
            "PISTE (menu « Applications » de piste.gouv.fr) : ils doivent être ceux de l'environnement choisi "
            "(bac à sable pour la qualification, production sinon) et, si le secret a été régénéré, le nouveau "
            "secret doit être saisi ici.",
            error.message_en, error)
    except ChorusProError as error:
        return _unexpected("piste_token", title, error)
    return _passed("piste_token", title, "PISTE a délivré un jeton d'accès.", "PISTE issued an access token.")


def check_api(client, api: _Api) -> CheckResult:
    key, title = f"api_{api.path}", f"API {api.label} accessible"
    try:
        api.probe(client)
    except ApiNotSubscribedError:
        fr = (f"L'application PISTE n'a pas accès à l'API {api.label} ({api.purpose_fr}). Dans PISTE, acceptez "
              f"les CGU de l'API {api.label} (onglet « API » du catalogue, pour l'environnement choisi) et "
              "rattachez-la à votre application.")
        en = (f"The PISTE application may not call the {api.label} API: accept its terms of use (CGU) in PISTE "
              "and attach it to the application")
        value = ApiCheck(api.path, api.label, False, api.optional)
        if api.optional:
            # the add-on works without it; only the features named in purpose_fr are missing
            return _passed(key, title, "Attention : " + fr + " Cette API est facultative mais nécessaire pour : "
                           + api.purpose_fr + ".", en, value)
        return _failed(key, title, fr, en, value)
    except (BusinessError, TechnicalAccountError):
        pass  # the gateway let the call through: the API is subscribed (the account is the next step)
    except ChorusProError as error:
        return _unexpected(key, title, error)
    return _passed(key, title, f"L'API {api.label} répond.", f"The {api.label} API answers.",
                   ApiCheck(api.path, api.label, True, api.optional))


def check_technical_account(client) -> CheckResult:
    title = "Compte technique accepté par Chorus Pro"
    try:
        client.utilisateurs.my_attachments()
    except TechnicalAccountError as error:
        return _failed(
            "technical_account", title,
            "Chorus Pro refuse le compte technique. Vérifiez l'identifiant (TECH_1_…@cpro.fr) et le mot de passe "
            "du compte technique créé dans l'espace Raccordement EDI/API de la structure sur Chorus Pro. Le mot "
            f"de passe expire tous les {TECHNICAL_PASSWORD_VALIDITY_DAYS} jours : s'il a expiré, le gestionnaire principal "
            "de la structure doit le renouveler sur Chorus Pro, puis saisir le nouveau ici. Vérifiez aussi que "
            "le raccordement API de la structure est lié à votre application PISTE.",
            error.message_en, error)
    except ChorusProError as error:
        return _unexpected("technical_account", title, error)
    return _passed("technical_account", title, "Chorus Pro accepte le compte technique.",
                   "Chorus Pro accepts the technical account.")


def check_supplier(client, supplier_siret: str | None) -> CheckResult:
    title = "Structure du fournisseur raccordée"
    try:
        structures = {s.identifier: (s.id, s.name) for s in client.transverses.supplier_structures()}
        for attachment in client.utilisateurs.my_attachments():
            structures.setdefault(attachment.identifier, (attachment.structure_id, attachment.name))
    except ChorusProError as error:
        return _unexpected("supplier", title, error)
    listed = ", ".join(f"{name} ({siret})" for siret, (_id, name) in structures.items())
    if supplier_siret:
        siret = compact_siret(supplier_siret)
        if siret not in structures:
            seen = f" Structures visibles : {listed}." if structures else ""
            return _failed(
                "supplier", title,
                f"La structure SIRET {siret} n'est pas rattachée au compte technique : le raccordement n'est pas "
                f"fait. {_RACCORDEMENT_FR}{seen}",
                f"Structure {siret} is not attached to the technical account: finish the API connection "
                "(raccordement) on Chorus Pro")
        structure_id, name = structures[siret]
    elif not structures:
        return _failed("supplier", title,
                       f"Aucune structure fournisseur n'est rattachée au compte technique. {_RACCORDEMENT_FR}",
                       "No supplier structure is attached to the technical account: finish the API connection "
                       "(raccordement) on Chorus Pro")
    else:
        siret, (structure_id, name) = next(iter(structures.items()))
    extra = ""
    if len(structures) > 1 and not supplier_siret:
        extra = f" Plusieurs structures sont rattachées ({listed}) : précisez le SIRET pour choisir."
    return _passed("supplier", title, f"{name} (SIRET {siret}, identifiant Chorus Pro {structure_id}).{extra}",
                   f"{name} (SIRET {siret}, Chorus Pro id {structure_id})", structure_id)


def check_bank_accounts(client, supplier_id: int) -> CheckResult:
    title = "Coordonnées bancaires valides"
    try:
        accounts: list[BankAccount] = client.transverses.valid_bank_accounts(supplier_id)
    except ChorusProError as error:
        return _unexpected("bank_accounts", title, error)
    if not accounts:
        return _failed("bank_accounts", title,
                       "Aucune coordonnée bancaire valide sur la structure du fournisseur. Dans Chorus Pro, menu "
                       "« Gestion des structures », ajoutez le RIB de l'entreprise (IBAN et BIC) à la structure ; "
                       "les factures payées par virement en ont besoin.",
                       "No valid bank account on the supplier structure: add one on Chorus Pro", [])
    names = ", ".join(account.name for account in accounts)
    return _passed("bank_accounts", title, f"{len(accounts)} compte(s) : {names}.",
                   f"{len(accounts)} valid bank account(s)", list(accounts))


def check_password_expiry(client, supplier_id: int, today: date) -> CheckResult:
    title = "Expiration du mot de passe du compte technique"
    try:
        details = client.structures.get(supplier_id)
    except ChorusProError as error:
        return _unexpected("password_expiry", title, error)
    expiry = details.technical_password_expiry
    if expiry is None:
        return _passed("password_expiry", title,
                       "Chorus Pro n'indique pas de date d'expiration. Notez la date du dernier changement : le "
                       f"mot de passe doit être renouvelé tous les {TECHNICAL_PASSWORD_VALIDITY_DAYS} jours.",
                       "Chorus Pro gives no expiry date for the technical password", PasswordExpiry(None, None))
    expiry_day = expiry.date() if isinstance(expiry, datetime) else expiry
    days = (expiry_day - today).days
    value = PasswordExpiry(expiry_day, days)
    shown = expiry_day.strftime("%d/%m/%Y")
    if days < 0:
        return _failed("password_expiry", title,
                       f"Le mot de passe du compte technique a expiré le {shown}. Le gestionnaire principal de la "
                       "structure doit le renouveler sur Chorus Pro (espace Raccordement EDI/API), puis saisir le "
                       "nouveau mot de passe ici.",
                       f"The technical password expired on {expiry_day.isoformat()}", value)
    if value.warning:
        return _passed("password_expiry", title,
                       f"Attention : le mot de passe du compte technique expire le {shown}, dans {days} jour(s). "
                       "Le gestionnaire principal de la structure doit le renouveler sur Chorus Pro, puis saisir "
                       "le nouveau ici.",
                       f"The technical password expires on {expiry_day.isoformat()} ({days} days left)", value)
    return _passed("password_expiry", title, f"Le mot de passe expire le {shown}, dans {days} jours.",
                   f"The technical password expires on {expiry_day.isoformat()} ({days} days left)", value)


# -- running them --------------------------------------------------------------------------------
def _not_run(key: str, title: str) -> CheckResult:
    return _failed(key, title, NOT_RUN_FR, NOT_RUN_EN)


#: (key, French title) of every step, in order, for the "not run" lines
STEPS = (
    ("settings", "Paramètres de connexion complets"),
    ("piste_token", "Identifiants de l'application PISTE (jeton d'accès)"),
    *((f"api_{api.path}", f"API {api.label} accessible") for api in APIS),
    ("technical_account", "Compte technique accepté par Chorus Pro"),
    ("supplier", "Structure du fournisseur raccordée"),
    ("bank_accounts", "Coordonnées bancaires valides"),
    ("password_expiry", "Expiration du mot de passe du compte technique"),
)


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
        done(*(_not_run(key, title) for key, title in STEPS if key not in keys))
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


def format_step_fr(result: CheckResult) -> str:
    """The two lines of one step in the report: its mark and title, then what to know or do."""
    if not result.passed:
        mark = "[--]" if result.message_fr == NOT_RUN_FR else "[KO]"
    else:
        mark = "[!!]" if is_warning(result) else "[OK]"
    return f"{mark} {result.title_fr}\n     {result.message_fr}"


def format_conclusion_fr(results: list[CheckResult]) -> str:
    """The last lines of the report, once every step is known."""
    failure = first_failure(results)
    if failure is not None:
        return f"Connexion avec Chorus Pro non établie : corrigez l'étape « {failure.title_fr} »."
    lines = ["Connexion avec Chorus Pro établie."]
    if any(is_warning(result) for result in results):
        lines.append("Certains points demandent votre attention (lignes marquées [!!]).")
    return "\n".join(lines)


def format_report_fr(results: list[CheckResult]) -> str:
    """The report shown to people: one step after the other, then the conclusion."""
    return "\n".join([*(format_step_fr(result) for result in results), format_conclusion_fr(results)])


__all__ = [
    "APIS", "NOT_RUN_FR", "ApiCheck", "PasswordExpiry", "STEPS", "doctor_ok", "first_failure",
    "format_conclusion_fr", "format_report_fr", "format_step_fr", "is_warning", "run_doctor",
    "supplier_structure_id",
]
