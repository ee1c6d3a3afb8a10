"""Daily check of the Chorus Pro credentials: warn before they expire, and when they fail.

The technical account password must be renewed on Chorus Pro (its expiry date is
read from the supplier structure when the API gives it, else computed from the day
it was entered); the PISTE client secret is rotated regularly.  The lifetimes are
chorus_pro.credentials'.  Each warning
(30 days, 7 days, expired, authentication failure) is sent once: the keys of the
warnings already sent are kept on the company.
"""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from odoo import api, fields, models

from chorus_pro.credentials import piste_secret_renewal, technical_password_expiry
from chorus_pro.errors import ChorusProError

from .chorus_utils import chorus_commit

_logger = logging.getLogger(__name__)

#: days before expiry at which a warning goes out (0: expired)
THRESHOLDS = (30, 7, 0)
AUTH_KEY = "auth"


class ChorusCredentialReminder(models.AbstractModel):
    _name = "chorus.pro.credential.reminder"
    _description = "Chorus Pro credential expiry reminders"

    @api.model
    def _cron_check_credentials(self):
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([]).filtered(lambda c: c._chorus_is_configured())
        chorus_commit(self.env, remaining=len(companies))
        for company in companies:
            reminder = self.sudo().with_company(company).with_context(lang=company.partner_id.lang or "fr_FR")
            reminder._check_company(company, today)
            chorus_commit(self.env, processed=1)

    # -- one company ----------------------------------------------------------------------------
    def _check_company(self, company, today):
        """Send the warnings that are due and not sent yet; return the keys sent now."""
        sent = set((company.chorus_reminders_sent or "").split())
        keep, new = set(), []
        for kind, expiry in (("password", self._password_expiry(company)), ("secret", self._secret_expiry(company))):
            if not expiry:
                continue
            threshold = self._due_threshold(expiry, today)
            # keys of the current expiry date only: a renewed credential starts afresh
            keep |= {k for k in sent if k.startswith(f"{kind}:{expiry.isoformat()}:")}
            if threshold is None:
                continue
            key = f"{kind}:{expiry.isoformat()}:{threshold}"
            if key in sent:
                continue
            self._send(company, *self._expiry_texts(company, kind, expiry, (expiry - today).days),
                       deadline=min(expiry, today + relativedelta(days=threshold)) if threshold else today)
            keep.add(key)
            new.append(key)
        if company.chorus_auth_failed and AUTH_KEY in sent:
            keep.add(AUTH_KEY)
        elif company.chorus_auth_failed:
            self._send(company, *self._auth_texts(company), deadline=today)
            keep.add(AUTH_KEY)
            new.append(AUTH_KEY)
        value = " ".join(sorted(keep)) or False
        if value != (company.chorus_reminders_sent or False):
            company.sudo().chorus_reminders_sent = value
        return new

    @api.model
    def _notify_auth_failure(self, company):
        """Called as soon as a transfer or a sync meets an authentication error (by any user)."""
        company = company.sudo()
        sent = set((company.chorus_reminders_sent or "").split())
        if AUTH_KEY in sent:
            return False
        self.sudo()._send(company, *self._auth_texts(company), deadline=fields.Date.context_today(self))
        company.chorus_reminders_sent = " ".join(sorted(sent | {AUTH_KEY}))
        return True

    @staticmethod
    def _due_threshold(expiry, today):
        days_left = (expiry - today).days
        due = [t for t in THRESHOLDS if days_left <= t]
        return min(due) if due else None

    def _password_expiry(self, company):
        """Expiry date read from Chorus Pro when it can be, else the one known locally."""
        read = self._read_password_expiry(company)
        if read and read != company.chorus_password_expiry_date:
            company.sudo().chorus_password_expiry_date = read
        if company.chorus_password_expiry_date:
            return company.chorus_password_expiry_date
        if company.chorus_password_set_date:
            return technical_password_expiry(company.chorus_password_set_date)
        return False

    def _read_password_expiry(self, company):
        if company.chorus_auth_failed or not company.chorus_supplier_structure_identifier:
            return False
        try:
            with company._chorus_client() as client:
                details = client.structures.get(int(company.chorus_supplier_structure_identifier))
        except (ChorusProError, ValueError) as error:
            _logger.info("Chorus Pro: password expiry of company %s not readable: %s", company.id, error)
            return False
        expiry = details.technical_password_expiry
        return expiry.date() if expiry else False

    @staticmethod
    def _secret_expiry(company):
        if company.chorus_secret_renewal_date:
            return company.chorus_secret_renewal_date
        if company.chorus_secret_set_date:
            return piste_secret_renewal(company.chorus_secret_set_date)
        return False

    # -- texts ----------------------------------------------------------------------------------
    def _expiry_texts(self, company, kind, expiry, days_left):
        date_text = expiry.strftime("%d/%m/%Y")
        if kind == "password":
            what = self.env._("The password of the Chorus Pro technical account (%s)", company.chorus_tech_login)
            how = self.env._("The main manager of the structure changes it on Chorus Pro (Raccordement EDI/API), "
                             "then enters the new password in the Chorus Pro settings of Odoo.")
        else:
            what = self.env._("The PISTE client secret")
            how = self.env._("Regenerate the secret of the application on PISTE (piste.gouv.fr), then enter it "
                             "in the Chorus Pro settings of Odoo; the next renewal date is updated then.")
        if days_left > 0:
            subject = self.env._("Chorus Pro (%(company)s): %(what)s expires in %(days)s days",
                                 company=company.name, what=what, days=days_left)
            status = self.env._("%(what)s expires on %(date)s.", what=what, date=date_text)
        else:
            subject = self.env._("Chorus Pro (%(company)s): %(what)s has expired", company=company.name, what=what)
            status = self.env._("%(what)s expired on %(date)s: invoices can no longer be sent.",
                                what=what, date=date_text)
        return subject, Markup("<p>%s</p><p>%s</p>") % (status, how)

    def _auth_texts(self, company):
        subject = self.env._("Chorus Pro (%s): connection refused", company.name)
        body = Markup("<p>%s</p><p>%s</p><p>%s</p>") % (
            self.env._("Chorus Pro refused the credentials of the company:"),
            company.chorus_auth_failed_message or "",
            self.env._("Transfers and status updates are paused. Fix the settings, then click "
                       "\"Test the connection\": they resume by themselves."),
        )
        return subject, body

    # -- delivery ------------------------------------------------------------------------------
    def _send(self, company, subject, body, deadline):
        """An e-mail to the referent address and an activity for each Chorus Pro administrator."""
        if company.chorus_referent_email:
            self.env["mail.mail"].sudo().create({
                "subject": subject,
                "body_html": body,
                "email_to": company.chorus_referent_email,
                "email_from": company.email_formatted or self.env.user.email_formatted or False,
                "auto_delete": False,
            })
        activity_type = self.env.ref("l10n_fr_chorus_btp.mail_activity_type_chorus")
        for user in self._administrators(company):
            company.partner_id.sudo().activity_schedule(
                activity_type_id=activity_type.id, summary=subject, note=body,
                user_id=user.id, date_deadline=deadline,
            )
        _logger.info("Chorus Pro reminder for company %s: %s", company.id, subject)

    def _administrators(self, company):
        group = self.env.ref("l10n_fr_chorus_btp.group_chorus_admin").sudo()
        users = group.all_user_ids.filtered(lambda u: u.active and not u.share and company in u.company_ids)
        return users or self.env.ref("base.user_admin")
