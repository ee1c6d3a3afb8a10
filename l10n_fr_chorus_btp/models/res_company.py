import logging
import os
import threading

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import config as odoo_config

from chorus_pro import ChorusConfig, ChorusProError
from chorus_pro.credentials import (
    PISTE_SECRET_ROTATION_MONTHS,
    TECHNICAL_PASSWORD_VALIDITY_DAYS,
    piste_secret_renewal,
    technical_password_expiry,
)
from chorus_pro.siret import compact_siret, siret_problem
from chorus_pro.supplier import BankAccountChoiceError, choose_bank_account, resolve_supplier

from .chorus_messages import doctor_text, doctor_title, error_text, siret_problem_text
from .chorus_works_modes import PORTAL, WORKS_DEPOSIT_MODE_HELP, WORKS_DEPOSIT_MODES

_logger = logging.getLogger(__name__)

ENVIRONMENTS = [
    ("simulation", "Simulation"),
    ("qualification", "Qualification"),
    ("production", "Production"),
]
#: company fields whose change may repair an authentication failure
CONNECTION_FIELDS = {
    "chorus_environment", "chorus_tech_login", "chorus_tech_password", "chorus_piste_client_id",
    "chorus_piste_client_secret", "chorus_simulator_url", "company_registry",
}
#: which platform and which supplier the status sync reads
PLATFORM_FIELDS = {"chorus_environment", "chorus_simulator_url", "chorus_tech_login", "company_registry"}
#: fallbacks of an empty company "Simulator URL" (Simulation environment only)
SIMULATOR_URL_PARAM = "l10n_fr_chorus_btp.simulator_url"
SIMULATOR_URL_ENV = "CHORUS_PRO_SIMULATOR_URL"
#: the simulated Chorus Pro of a database (Simulation without a simulator URL): a file of its filestore
SIMULATOR_STATE_FILE = "chorus_pro_simulator.json"


class ResCompany(models.Model):
    _inherit = "res.company"

    chorus_environment = fields.Selection(ENVIRONMENTS, string="Chorus Pro environment", default="simulation",
                                          required=True)
    chorus_referent_email = fields.Char(
        string="Chorus Pro referent e-mail",
        help="Main manager of the structure on Chorus Pro, or the accountant. Receives the reminders to renew "
             "the technical password and the PISTE secret.")
    chorus_tech_login = fields.Char(string="Technical account login", help="Looks like TECH_1_…@cpro.fr")
    chorus_tech_password = fields.Char(string="Technical account password", groups="base.group_system",
                                       copy=False)
    chorus_piste_client_id = fields.Char(string="PISTE client ID")
    chorus_piste_client_secret = fields.Char(string="PISTE client secret", groups="base.group_system",
                                             copy=False)
    chorus_invoice_route = fields.Selection(
        [("chorus_api", "Chorus Pro's API (this module)"), ("other", "Peppol or our approved platform")],
        string="Route of invoices to public buyers", default="chorus_api", required=True,
        help="How invoices that are not works documents reach public buyers. Works documents (projets de "
             "décompte…) always go to Chorus Pro directly. Each invoice takes one route only.")
    chorus_works_deposit_mode = fields.Selection(
        WORKS_DEPOSIT_MODES, string="Deposit of works documents", default=PORTAL, required=True,
        help=WORKS_DEPOSIT_MODE_HELP)
    chorus_works_experimental_confirmed = fields.Boolean(
        string="Experimental works deposit confirmed", copy=False, readonly=True,
        help="A person with the right \"Invoice transfer\" confirmed what the experimental deposit modes of works "
             "documents rely on.")
    chorus_retention_account_id = fields.Many2one(
        "account.account", string="Retention receivable", check_company=True,
        help="Where the retention (retenue de garantie) waits for its release: 4117 Clients - retenues de garantie.")
    chorus_advance_account_id = fields.Many2one(
        "account.account", string="Advances received", check_company=True,
        help="The advance received from the buyer, cleared by its repayment: 4191 Clients - avances reçues.")
    chorus_penalty_account_id = fields.Many2one("account.account", string="Penalties on markets", check_company=True,
                                                help="6711 Pénalités sur marchés.")
    chorus_direct_payment_account_id = fields.Many2one(
        "account.account", string="Direct payments to subcontractors", check_company=True,
        help="The buyer's payments to our subcontractors, matched later with their invoices: 467.")
    chorus_start_date = fields.Date(
        string="Transfer start date",
        help="Invoices dated before the transfer start date are never sent automatically.")
    chorus_auto_transfer = fields.Boolean(
        string="Automatic transfer at validation",
        help="Queue invoices for Chorus Pro clients when they are posted by a user allowed to transfer.")
    chorus_password_set_date = fields.Date(string="Technical password entered on", copy=False)
    chorus_password_expiry_date = fields.Date(
        string="Technical password expiry", copy=False,
        help=f"Read from Chorus Pro when available, otherwise {TECHNICAL_PASSWORD_VALIDITY_DAYS} days after the "
             "password was entered (Chorus Pro's rule).")
    chorus_secret_set_date = fields.Date(string="PISTE secret entered on", copy=False)
    chorus_secret_renewal_date = fields.Date(string="PISTE secret renewal", copy=False,
                                             help=f"{PISTE_SECRET_ROTATION_MONTHS} months after the secret was entered.")
    chorus_simulator_url = fields.Char(
        string="Simulator URL", copy=False,
        help="Technical: URL of a Chorus Pro simulator served over HTTP (Simulation environment only). "
             "Empty: the system parameter l10n_fr_chorus_btp.simulator_url, else the environment variable "
             "CHORUS_PRO_SIMULATOR_URL, else the simulation runs inside Odoo.")
    chorus_supplier_structure_identifier = fields.Char(string="Supplier structure id (Chorus Pro)", copy=False)
    chorus_bank_account_identifier = fields.Char(
        string="Bank account id (Chorus Pro)", copy=False,
        help="The bank account paid by transfer: the only valid one of the supplier structure, or the one chosen "
             "among those read from Chorus Pro.")
    chorus_auth_failed = fields.Boolean(string="Chorus Pro authentication failed", copy=False)
    chorus_auth_failed_message = fields.Text(string="Chorus Pro authentication error", copy=False)
    chorus_connection_ok = fields.Boolean(string="Chorus Pro connection tested", copy=False)
    chorus_connection_report = fields.Text(string="Last connection test", copy=False)
    # follow-up: last status sync, credential warnings sent
    chorus_last_sync = fields.Datetime(
        "Last Chorus Pro status sync", readonly=True, copy=False,
        help="Start of the last complete status synchronisation.")
    chorus_status_mark = fields.Datetime(
        "Newest Chorus Pro status read", readonly=True, copy=False,
        help="Technical: the newest status date (on Chorus Pro's clock) read by a status synchronisation; the "
             "next one reads the statuses changed since then.")
    chorus_reminders_sent = fields.Char(
        "Chorus Pro warnings sent", readonly=True, copy=False, groups="base.group_system",
        help="Technical: keys of the credential warnings already sent, so that none is sent twice.")

    # -- constraints -----------------------------------------------------------------------------------
    @api.constrains("company_registry", "chorus_auto_transfer")
    def _check_chorus_siret(self):
        for company in self:
            if company.chorus_auto_transfer or company.chorus_supplier_structure_identifier:
                problem = siret_problem(company.company_registry)
                if problem:
                    raise ValidationError(self.env._(
                        "The SIRET of the company %(company)s %(problem)s. Enter the 14-digit SIRET of the "
                        "establishment that issues the invoices (Chorus Pro identifies you with it).",
                        company=company.name, problem=siret_problem_text(self.env, problem)))

    def write(self, vals):
        if "chorus_works_experimental_confirmed" in vals and not self.env.su:
            # confirmed through its wizard only, which checks the right "Invoice transfer"
            self.env["chorus.pro.transmission"]._check_transfer_right()
        secrets = {"chorus_tech_password", "chorus_piste_client_secret"} & set(vals)
        if secrets:
            # secrets are set through the settings form only (which checks the rights); dates follow them
            today = fields.Date.context_today(self)
            if vals.get("chorus_tech_password") and "chorus_password_set_date" not in vals:
                vals.setdefault("chorus_password_set_date", today)
                vals.setdefault("chorus_password_expiry_date", technical_password_expiry(today))
            if vals.get("chorus_piste_client_secret") and "chorus_secret_set_date" not in vals:
                vals.setdefault("chorus_secret_set_date", today)
                vals.setdefault("chorus_secret_renewal_date", piste_secret_renewal(today))
        if CONNECTION_FIELDS & set(vals) and "chorus_auth_failed" not in vals:
            # a changed setting may repair the connection: let the transfers resume
            vals = dict(vals, chorus_auth_failed=False, chorus_auth_failed_message=False)
        if PLATFORM_FIELDS & set(vals) and "chorus_status_mark" not in vals:
            # the newest status read is a date of one platform's clock, for one supplier: not of the new one
            vals = dict(vals, chorus_status_mark=False)
        return super().write(vals)

    # -- works accounting ----------------------------------------------------------------------------
    #: account of each deduction of a situation: company field, account code looked for, and (code, name) to
    #: create when the chart has none (the French chart has no 6711)
    _CHORUS_ACCOUNTS = {
        "retention": ("chorus_retention_account_id", "411700", ("411700", "Clients - Retenues de garantie",
                                                                 "asset_receivable")),
        "advance": ("chorus_advance_account_id", "419100", ("419100", "Clients - Avances reçues",
                                                             "liability_current")),
        "penalty": ("chorus_penalty_account_id", "671100", ("671100", "Pénalités sur marchés", "expense")),
        "direct_payment": ("chorus_direct_payment_account_id", "467000", ("467000", "Paiements directs aux "
                                                                               "sous-traitants", "liability_current")),
    }

    def _chorus_account(self, kind):
        """The account of a situation's deduction: the company's choice, else the chart's usual account (created
        when missing), remembered on the company."""
        self.ensure_one()
        field, code, (new_code, name, account_type) = self._CHORUS_ACCOUNTS[kind]
        account = self[field]
        if not account:
            Account = self.env["account.account"].sudo().with_company(self)
            account = Account.search([*Account._check_company_domain(self), ("code", "=", code)], limit=1)
            if not account:
                account = Account.create({"code": new_code, "name": name, "account_type": account_type,
                                          "reconcile": account_type != "expense"})
            self.sudo()[field] = account
        return account

    def _chorus_autoliquidation_tax(self):
        """The 0 % tax of a subcontractor's invoice under reverse charge (article 283-2 nonies of the CGI)."""
        self.ensure_one()
        Tax = self.env["account.tax"].sudo().with_company(self)
        domain = [*Tax._check_company_domain(self), ("type_tax_use", "=", "sale"), ("amount", "=", 0),
                  ("ubl_cii_tax_category_code", "=", "AE")]
        tax = Tax.search(domain, limit=1)
        if not tax:
            tax = Tax.create({
                "name": "TVA autoliquidée (sous-traitance BTP)", "amount": 0, "amount_type": "percent",
                "type_tax_use": "sale", "company_id": self.id, "ubl_cii_tax_category_code": "AE",
                "ubl_cii_tax_exemption_reason_code": "VATEX-EU-AE",
                "invoice_label": "Autoliquidation",
            })
        return tax

    # -- connection ----------------------------------------------------------------------------------
    def _chorus_siret(self):
        self.ensure_one()
        return compact_siret(self.company_registry)

    def _chorus_config(self):
        """The :class:`ChorusConfig` of this company (secrets read with sudo, never logged)."""
        self.ensure_one()
        company = self.sudo()
        config = ChorusConfig(
            environment=company.chorus_environment or "simulation",
            piste_client_id=company.chorus_piste_client_id or "",
            piste_client_secret=company.chorus_piste_client_secret or "",
            tech_login=company.chorus_tech_login or "",
            tech_password=company.chorus_tech_password or "",
            simulator_url=company._chorus_simulator_url() if company.chorus_environment == "simulation" else "",
        )
        return config.with_simulation_defaults()

    def _chorus_simulator_url(self):
        """Simulator served over HTTP for the Simulation environment: the company's URL, else the system
        parameter, else ``CHORUS_PRO_SIMULATOR_URL`` (set by docker compose); empty: in-process simulator."""
        self.ensure_one()
        return ((self.chorus_simulator_url or "").strip()
                or (self.env["ir.config_parameter"].sudo().get_param(SIMULATOR_URL_PARAM) or "").strip()
                or os.environ.get(SIMULATOR_URL_ENV, "").strip())

    def _chorus_client(self, config=None):
        """A new :class:`ChorusProClient` for this company (one per batch: it keeps its OAuth token); in
        Simulation without a simulator URL, it talks to the simulated Chorus Pro of the database."""
        from chorus_pro.client import ChorusProClient
        config = config or self._chorus_config()
        return ChorusProClient(config, simulator=self._chorus_simulator() if config.in_process else None)

    @api.model
    def _chorus_simulator_path(self):
        """The state file of the database's simulated Chorus Pro, in the database's filestore: every worker of
        the database reads the same one, and it follows the database (backup, duplicate, drop)."""
        return os.path.join(odoo_config.filestore(self.env.cr.dbname), SIMULATOR_STATE_FILE)

    @api.model
    def _chorus_simulator(self):
        """The simulated Chorus Pro of this database, shared by every worker and kept across restarts.

        Imported here only: the Qualification and Production paths never load the simulator."""
        from chorus_pro.simulator import SharedSimulator
        path = self._chorus_simulator_path()
        with _SIMULATORS_LOCK:
            # one instance per file and process: the client keeps one OAuth token cache per simulator
            simulator = _SIMULATORS.get(path)
            if simulator is None:
                simulator = _SIMULATORS[path] = SharedSimulator(path)
            return simulator

    def _chorus_is_configured(self):
        """Whether invoices of this company can be sent: valid SIRET and complete credentials."""
        self.ensure_one()
        if siret_problem(self.company_registry):
            return False
        try:
            self._chorus_config().validate()
        except ChorusProError:
            return False
        return True

    def _chorus_mark_auth_failed(self, message):
        """Pause the transfers of this company until the connection is repaired, and warn the referent and
        the administrators at once (not at the next daily check)."""
        already = self.chorus_auth_failed
        self.sudo().write({"chorus_auth_failed": True, "chorus_auth_failed_message": message})
        if not already:
            self.env["chorus.pro.credential.reminder"]._notify_auth_failure(self)

    def _chorus_test_connection(self):
        """Run the setup doctor; store what it learnt.  Returns ``(ok, message)`` in the user's language."""
        self.ensure_one()
        from chorus_pro.doctor import NOT_RUN, is_warning, run_doctor
        try:
            config = self._chorus_config().validate()
        except ChorusProError as exc:
            return self._chorus_store_test(False, error_text(self.env, exc))
        client = self._chorus_client(config)
        try:
            checks = run_doctor(client, supplier_siret=self._chorus_siret() or None)
        except ChorusProError as exc:
            return self._chorus_store_test(False, error_text(self.env, exc))
        finally:
            _close(client)
        failed = [c for c in checks if not c.passed and c.code != NOT_RUN]
        not_run = [c for c in checks if not c.passed and c.code == NOT_RUN]
        warnings = [c for c in checks if is_warning(c)]
        if failed:
            lines = [self.env._("Chorus Pro connection failed:")]
            lines += [self._chorus_doctor_line(c) for c in failed]
            if not_run:
                lines.append(self.env._("Not checked until the steps above are fixed: %(steps)s.",
                                        steps=", ".join(doctor_title(self.env, c.key) for c in not_run)))
            return self._chorus_store_test(False, "\n".join(lines))
        self.sudo().write(_learnt_values(checks))
        banks = next((c for c in checks if c.key == "bank_accounts" and c.passed), None)
        if banks:
            self._chorus_store_bank_accounts(banks.value)
        lines = [self.env._("Connection with Chorus Pro established")]
        lines += [self._chorus_doctor_line(c) for c in warnings]
        return self._chorus_store_test(True, "\n".join(lines))

    def _chorus_doctor_line(self, check):
        return self.env._("- %(step)s: %(message)s", step=doctor_title(self.env, check.key),
                          message=doctor_text(self.env, check))

    def _chorus_read_bank_accounts(self):
        """Read the valid bank accounts of the supplier structure from Chorus Pro and keep them."""
        self.ensure_one()
        known = self.chorus_supplier_structure_identifier
        with self._chorus_client() as client:
            supplier = resolve_supplier(client, self._chorus_siret(), structure_id=int(known) if known else None,
                                        needs_bank_account=False)
            accounts = client.transverses.valid_bank_accounts(supplier.structure_id)
        if str(supplier.structure_id) != known:
            self.sudo().chorus_supplier_structure_identifier = str(supplier.structure_id)
        self._chorus_store_bank_accounts(accounts)
        return accounts

    def _chorus_store_bank_accounts(self, accounts):
        """Keep the accounts read from Chorus Pro for the choice in the settings; the choice stays while it is
        valid, else the only valid account is taken (chorus_pro.supplier's policy), else none is."""
        self.ensure_one()
        stored = self.env["chorus.pro.bank.account"].sudo().search([("company_id", "=", self.id)])
        by_identifier = {account.chorus_identifier: account for account in stored}
        kept = stored.browse()
        for account in accounts:
            record = by_identifier.get(str(account.id))
            if record is None:
                record = stored.create({"company_id": self.id, "chorus_identifier": str(account.id),
                                        "name": account.name or str(account.id)})
            elif account.name and record.name != account.name:
                record.name = account.name
            kept |= record
        (stored - kept).unlink()
        chosen = self.chorus_bank_account_identifier or False
        if chosen not in {str(account.id) for account in accounts}:
            try:
                chosen = str(choose_bank_account(accounts).id)
            except BankAccountChoiceError:
                chosen = False
        if chosen != (self.chorus_bank_account_identifier or False):
            self.sudo().chorus_bank_account_identifier = chosen

    def _chorus_store_test(self, ok, message):
        vals = {"chorus_connection_ok": ok, "chorus_connection_report": message}
        if ok:
            vals.update(chorus_auth_failed=False, chorus_auth_failed_message=False)
        self.sudo().write(vals)
        return ok, message


_SIMULATORS = {}
_SIMULATORS_LOCK = threading.Lock()


def _close(client):
    close = getattr(client, "close", None)
    if close:
        try:
            close()
        except Exception:  # noqa: BLE001 - closing must never hide the real outcome
            _logger.debug("closing the Chorus Pro client failed", exc_info=True)


def _learnt_values(checks):
    """Company values learnt by the doctor: supplier structure id, password expiry (the bank accounts apart)."""
    vals = {}
    by_key = {check.key: check for check in checks if check.passed}
    supplier = by_key.get("supplier")
    if supplier and supplier.value:
        vals["chorus_supplier_structure_identifier"] = str(supplier.value)
    expiry = by_key.get("password_expiry")
    if expiry and getattr(expiry.value, "expiry", None):
        vals["chorus_password_expiry_date"] = expiry.value.expiry
    return vals
