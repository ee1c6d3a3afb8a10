from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from chorus_pro import ChorusProError
from chorus_pro.siret import siret_problem

from .chorus_messages import siret_problem_text, user_error


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    chorus_company_registry = fields.Char(related="company_id.company_registry", readonly=False,
                                          string="SIRET of the issuing company")
    chorus_environment = fields.Selection(related="company_id.chorus_environment", readonly=False)
    chorus_referent_email = fields.Char(related="company_id.chorus_referent_email", readonly=False)
    chorus_tech_login = fields.Char(related="company_id.chorus_tech_login", readonly=False)
    chorus_piste_client_id = fields.Char(related="company_id.chorus_piste_client_id", readonly=False)
    chorus_start_date = fields.Date(related="company_id.chorus_start_date", readonly=False)
    chorus_auto_transfer = fields.Boolean(related="company_id.chorus_auto_transfer", readonly=False)
    chorus_invoice_route = fields.Selection(related="company_id.chorus_invoice_route", readonly=False)
    chorus_works_deposit_mode = fields.Selection(related="company_id.chorus_works_deposit_mode", readonly=False)
    chorus_password_expiry_date = fields.Date(related="company_id.chorus_password_expiry_date")
    chorus_secret_renewal_date = fields.Date(related="company_id.chorus_secret_renewal_date")
    chorus_simulator_url = fields.Char(related="company_id.chorus_simulator_url", readonly=False)
    chorus_supplier_structure_identifier = fields.Char(related="company_id.chorus_supplier_structure_identifier")
    chorus_bank_account_identifier = fields.Char(related="company_id.chorus_bank_account_identifier")
    # the choice among the valid bank accounts read from Chorus Pro; stored as the company's identifier
    chorus_bank_account_id = fields.Many2one(
        "chorus.pro.bank.account", string="Bank account for transfers", compute="_compute_chorus_bank_account_id",
        inverse="_inverse_chorus_bank_account_id", domain="[('company_id', '=', company_id)]",
        help="The bank account of the supplier structure on Chorus Pro that the buyers pay by transfer. Needed "
             "when the structure has several valid ones: read them from Chorus Pro, then choose.")
    chorus_bank_account_count = fields.Integer(string="Bank accounts read from Chorus Pro",
                                               compute="_compute_chorus_bank_account_id")
    chorus_auth_failed = fields.Boolean(related="company_id.chorus_auth_failed")
    chorus_auth_failed_message = fields.Text(related="company_id.chorus_auth_failed_message")
    chorus_connection_ok = fields.Boolean(related="company_id.chorus_connection_ok")
    chorus_connection_report = fields.Text(related="company_id.chorus_connection_report")
    # secrets: typed here, written to the company only when valid; never read back into the form
    chorus_tech_password_new = fields.Char(string="New technical password", groups="base.group_system")
    chorus_tech_password_confirm = fields.Char(string="Confirm the technical password", groups="base.group_system")
    chorus_piste_client_secret_new = fields.Char(string="New PISTE client secret", groups="base.group_system")
    chorus_tech_password_is_set = fields.Boolean(string="Password saved", compute="_compute_chorus_secrets_set")
    chorus_piste_client_secret_is_set = fields.Boolean(string="Secret saved", compute="_compute_chorus_secrets_set")

    @api.depends("company_id.chorus_bank_account_identifier")
    def _compute_chorus_bank_account_id(self):
        accounts = self.env["chorus.pro.bank.account"]
        for settings in self:
            of_company = accounts.search([("company_id", "=", settings.company_id.id)])
            settings.chorus_bank_account_count = len(of_company)
            chosen = settings.company_id.chorus_bank_account_identifier
            settings.chorus_bank_account_id = next((a for a in of_company if a.chorus_identifier == chosen), False)

    def _inverse_chorus_bank_account_id(self):
        for settings in self:
            identifier = settings.chorus_bank_account_id.chorus_identifier or False
            if identifier != (settings.company_id.chorus_bank_account_identifier or False):
                settings.company_id.chorus_bank_account_identifier = identifier

    def action_chorus_read_bank_accounts(self):
        """Read the valid bank accounts of the supplier structure from Chorus Pro, for the choice."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_manager") and not self.env.is_system():
            raise AccessError(self.env._("Only the accounting administrators may read the Chorus Pro bank "
                                         "accounts."))
        try:
            accounts = self.company_id._chorus_read_bank_accounts()
        except ChorusProError as exc:
            raise user_error(self.env, exc) from exc
        if not accounts:
            message = self.env._("No valid bank account on the supplier structure: add the company's bank "
                                 "details (IBAN and BIC) to the structure on Chorus Pro, then read them again.")
        elif len(accounts) == 1:
            message = self.env._("One valid bank account on Chorus Pro: %(name)s. It is used for the transfers.",
                                 name=accounts[0].name)
        else:
            message = self.env._("%(count)s valid bank accounts on Chorus Pro: choose the one for the transfers.",
                                 count=len(accounts))
        return self._chorus_notification(message, "success" if len(accounts) == 1 else "warning")

    def _compute_chorus_secrets_set(self):
        for settings in self:
            company = settings.company_id.sudo()
            settings.chorus_tech_password_is_set = bool(company.chorus_tech_password)
            settings.chorus_piste_client_secret_is_set = bool(company.chorus_piste_client_secret)

    def set_values(self):
        self._chorus_check_settings()
        super().set_values()
        self._chorus_save_secrets()

    def _chorus_check_settings(self):
        for settings in self:
            problem = siret_problem(settings.chorus_company_registry)
            uses_chorus = settings.chorus_auto_transfer or settings.chorus_tech_login or (
                settings.company_id.country_id.code == "FR")
            if problem and uses_chorus and (settings.chorus_auto_transfer or settings.chorus_company_registry):
                raise UserError(self.env._(
                    "The SIRET of the issuing company %(problem)s. Enter the 14 digits of the establishment "
                    "that issues the invoices.", problem=siret_problem_text(self.env, problem)))
            login = (settings.chorus_tech_login or "").strip()
            if login and "@" not in login:
                raise UserError(self.env._(
                    "The technical account login must look like TECH_1_…@cpro.fr (the technical account "
                    "created in the \"Raccordement EDI/API\" space of Chorus Pro)."))

    def _chorus_save_secrets(self):
        fields_typed = ("chorus_tech_password_new", "chorus_tech_password_confirm", "chorus_piste_client_secret_new")
        for settings in self:
            if not self.env.is_system():
                if any(settings.sudo()[name] for name in fields_typed):
                    raise AccessError(self.env._("Only the Settings administrators may change the Chorus Pro "
                                                 "secrets."))
                continue
            vals = {}
            password, confirm = settings.chorus_tech_password_new, settings.chorus_tech_password_confirm
            if password or confirm:
                if password != confirm:
                    raise UserError(self.env._(
                        "The technical password and its confirmation differ: type the same password twice. "
                        "The password was not saved."))
                vals["chorus_tech_password"] = password
            if settings.chorus_piste_client_secret_new:
                vals["chorus_piste_client_secret"] = settings.chorus_piste_client_secret_new.strip()
            if vals:
                settings.company_id.sudo().write(vals)
            # the transient record must not keep the secrets
            settings.sudo().write({name: False for name in fields_typed})

    def action_chorus_test_connection(self):
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_manager") and not self.env.is_system():
            raise AccessError(self.env._("Only the accounting administrators may test the Chorus Pro connection."))
        ok, message = self.company_id._chorus_test_connection()
        return self._chorus_notification(message, "success" if ok else "danger")

    def _chorus_notification(self, message, kind):
        """A notification of the Chorus Pro settings, which reloads them (sticky unless all went well)."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro"),
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_chorus_reset_simulator(self):
        """Forget everything the database's simulated Chorus Pro received (Settings administrators only)."""
        self.ensure_one()
        if not self.env.is_system():
            raise AccessError(self.env._("Only the Settings administrators may reset the simulated Chorus Pro."))
        company = self.company_id
        if not company._chorus_config().in_process:
            raise UserError(self.env._(
                "The company %(company)s does not use the simulated Chorus Pro of this database: choose the "
                "Simulation environment without a simulator URL. A simulator served over HTTP is reset with "
                "\"chorus-pro simulator --reset\" or by restarting it.", company=company.name))
        company._chorus_simulator().reset()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro"),
                "message": self.env._(
                    "The simulated Chorus Pro starts again from its test data: the invoices sent before are no "
                    "longer on it (their status updates will report it), new Chorus Pro ids go on."),
                "type": "success",
            },
        }
