"""What chorus_pro says, in the user's language: one translatable text per code of ``chorus_pro.messages``, with
the parameters the library gives (amounts in euros, numbers with the language's decimal separator), and where the
user fixes it in Odoo.  The library's English text is only for logs; an error without a code (one no screen can
provoke) is shown with a translated sentence around it."""

from odoo.exceptions import UserError
from odoo.tools.misc import format_date, formatLang
from odoo.tools.translate import LazyTranslate

from chorus_pro.errors import (
    AuthenticationError,
    ChorusProError,
    ConfigurationError,
    DocumentValidationError,
    ValidationIssue,
)

_lt = LazyTranslate(__name__)

TEXTS = {
    # -- validation of a document -------------------------------------------------------------------------------
    # a dictionary: one text for each value of the parameter named in TEXT_CHOSEN_BY
    "siret_missing": {
        "supplier": _lt("The SIRET of your company is missing."),
        "buyer": _lt("The SIRET of the customer is missing."),
        "validator": _lt("The SIRET of the validator (main contractor or lead co-contractor) is missing."),
        "moe": _lt("The SIRET of the project manager (maître d'œuvre) is missing."),
        "moa": _lt("The SIRET of the project owner (maître d'ouvrage) is missing."),
    },
    "siret_invalid": {
        "supplier": _lt("The SIRET of your company (%(siret)s) %(problem)s."),
        "buyer": _lt("The SIRET of the customer (%(siret)s) %(problem)s."),
        "validator": _lt("The SIRET of the validator (main contractor or lead co-contractor), %(siret)s, "
                         "%(problem)s."),
        "moe": _lt("The SIRET of the project manager (maître d'œuvre), %(siret)s, %(problem)s."),
        "moa": _lt("The SIRET of the project owner (maître d'ouvrage), %(siret)s, %(problem)s."),
    },
    "unknown_value": _lt("The %(setting)s \"%(value)s\" is unknown to Chorus Pro: choose a value of the list."),
    "number_missing": _lt("The invoice number is missing: post the invoice to give it a number."),
    "service_code_reserved": _lt("The service code %(service)s is reserved to invoices between public entities: "
                                 "choose another service of the customer (or none if it requires none)."),
    "buyer_requires_service": _lt("The customer %(buyer)s requires a service code."),
    "buyer_requires_ej": _lt("The customer %(buyer)s requires a legal commitment (EJ, purchase order number)."),
    "buyer_requires_service_or_ej": _lt("The customer %(buyer)s requires a service code or a legal commitment "
                                        "(EJ): fill in one of them."),
    "cadre_not_invoice": _lt("The invoicing frame (cadre) %(cadre)s cannot be sent as an invoice: choose A1, A2, "
                             "A9 or A12, or send it as a works document."),
    "cadre_not_works": _lt("The invoicing frame (cadre) %(cadre)s is not a works document: choose A4, A7, A8, A10, "
                           "A11, A13 or A14, or send it as an invoice."),
    "market_number_missing": _lt("The market number is missing: a works document (cadre %(cadre)s) needs it."),
    "works_party_missing": {
        "moe": _lt("The project manager (maître d'œuvre) is missing: a works document (cadre %(cadre)s) needs it."),
        "moa": _lt("The project owner (maître d'ouvrage) is missing: a works document (cadre %(cadre)s) needs it."),
    },
    "situation_number_missing": _lt("The situation number is missing: a monthly statement (cadre %(cadre)s) "
                                    "carries its number (1, 2, 3…)."),
    "ej_too_long": _lt("The legal commitment (EJ) has %(length)s characters: Chorus Pro accepts %(max)s at most."),
    "currency_not_euro": _lt("Chorus Pro accepts invoices in euros only (currency: %(currency)s)."),
    "vat_exemption_reason_missing": _lt("The VAT exemption reason is missing: a VAT-exempt invoice states it (for "
                                        "instance the reverse charge of construction subcontracting)."),
    "no_lines": _lt("The invoice has no line."),
    "line_no_description": _lt("Line %(line)s has no description: describe the work."),
    "main_pdf_missing": _lt("The PDF of the invoice is missing."),
    "attachment_name_empty": _lt("An attachment has no file name: give it a name with its extension (e.g. "
                                 "situation-03.pdf)."),
    "attachment_name_too_long": _lt("The file name of the attachment %(name)s has %(length)s characters: Chorus "
                                    "Pro accepts %(max)s at most, extension included; shorten it."),
    "main_file_not_pdf": _lt("The main file %(name)s must be a PDF (.pdf extension)."),
    "attachment_no_extension": _lt("The attachment %(name)s has no extension: use for instance PDF, JPG, PNG, "
                                   "XLSX, DOCX, ODT or ZIP."),
    "attachment_extension_refused": _lt("Chorus Pro refuses the extension %(extension)s of the attachment "
                                        "%(name)s: use for instance PDF, JPG, PNG, XLSX, DOCX, ODT or ZIP."),
    "attachment_empty": _lt("The attachment %(name)s is empty: attach the whole document."),
    "attachment_too_large": _lt("The attachment %(name)s weighs %(size)s MB: Chorus Pro accepts 10 MB at most "
                                "per file; compress or split it."),
    "dossier_too_large": _lt("The invoice and its attachments weigh %(size)s MB: Chorus Pro accepts 120 MB at "
                             "most; remove or compress attachments."),
    "line_vat_rate": _lt("Line %(line)s: the VAT rate %(rate)s is not a French rate (%(rates)s)."),
    "line_vat_rate_fraction": _lt("Line %(line)s: the VAT rate %(rate)s is not a French rate (%(rates)s); a rate "
                                  "is a percentage: %(meant)s, not %(rate)s."),
    "vat_breakdown_rate": _lt("VAT breakdown: the VAT rate %(rate)s is not a French rate (%(rates)s)."),
    "vat_breakdown_rate_fraction": _lt("VAT breakdown: the VAT rate %(rate)s is not a French rate (%(rates)s); a "
                                       "rate is a percentage: %(meant)s, not %(rate)s."),
    "untaxed_differs": _lt("The total excl. VAT (%(untaxed)s) differs from the sum of the lines (%(lines_sum)s)."),
    "vat_differs": _lt("The VAT amount (%(vat)s) differs from the sum of the VAT per rate (%(vat_sum)s)."),
    "vat_bases_differ": _lt("The bases of the VAT per rate add up to %(base_sum)s, not to the total excl. VAT "
                            "(%(untaxed)s)."),
    "total_differs": _lt("The total incl. VAT (%(total)s) is not the total excl. VAT plus the VAT minus the global "
                         "discount (%(expected)s)."),
    "total_negative": _lt("The total of the invoice is negative (%(amount)s): to cancel or reduce an invoice, send "
                          "a credit note with positive amounts."),
    "amount_due_out_of_range": _lt("The amount to pay (%(due)s) must be between 0 and the total incl. VAT "
                                   "(%(total)s): check the deducted payments or retentions."),
    "credit_note_payment_mode": _lt("A credit note carries no payment mode."),
    "original_invoice_missing": _lt("A credit note must mention the invoice it cancels (reversed invoice or "
                                    "reference)."),
    "payment_mode_missing": _lt("The payment mode is missing."),
    "bank_account_missing": _lt("The company's bank account on Chorus Pro is not known yet: a payment by transfer "
                                "needs a valid bank account registered on Chorus Pro."),
    "refusal_reason_missing": _lt("The document %(number)s cannot be refused without a reason: give the reason "
                                  "for refusal (motif du refus) the subcontractor will read on Chorus Pro."),
    # -- errors ---------------------------------------------------------------------------------------------------
    "document_invalid": _lt("The document cannot be sent to Chorus Pro:\n%(issues)s"),
    "setting_missing": _lt("Chorus Pro setting missing: %(setting)s."),
    "tech_login_format": _lt("The technical account login must look like TECH_1_…@cpro.fr (the technical account "
                             "created in the \"Raccordement EDI/API\" space of Chorus Pro)."),
    "setting_not_positive": _lt("The Chorus Pro setting %(setting)s must be positive."),
    "environment_unknown": _lt("Unknown Chorus Pro environment \"%(value)s\": choose one of %(choices)s."),
    "url_invalid": _lt("The address of the %(server)s server is invalid: check the simulator's address."),
    "piste_timeout": _lt("The PISTE authentication server did not answer in time; try again later."),
    "piste_unreachable": _lt("The PISTE authentication server cannot be reached (%(cause)s): check the server's "
                             "Internet connection, then try again."),
    "piste_unavailable": _lt("The PISTE authentication server is unavailable (HTTP %(status)s); try again later."),
    "piste_credentials_refused": _lt("PISTE refused the client ID and secret%(detail)s (HTTP %(status)s): they must "
                                     "be those of the PISTE application of the chosen environment (a secret "
                                     "regenerated on PISTE must be replaced here too)."),
    "piste_unexpected_answer": _lt("Unexpected answer of the PISTE authentication server (%(detail)s)."),
    "piste_token_refused": _lt("PISTE refused a freshly issued access token: check the PISTE client ID and "
                               "secret, and that the PISTE application is the one of the chosen environment."),
    "api_not_subscribed": _lt("Access to the Chorus Pro API %(api)s was refused: subscribe the PISTE application "
                              "to the %(api)s API and accept its terms of use (CGU) on piste.gouv.fr, for the "
                              "chosen environment, then try again."),
    "technical_account_refused": _lt("Chorus Pro refused the technical account (HTTP %(status)s): check its login "
                                     "(TECH_1_…@cpro.fr) and password; the password expires every %(days)s days and is "
                                     "renewed in the \"Raccordement EDI/API\" space of Chorus Pro. Check also that "
                                     "the technical account is attached to the supplier structure."),
    "business_error": _lt("Chorus Pro refused the operation %(operation)s: code %(return_code)s (%(libelle)s)."),
    "business_error_detail": _lt("Chorus Pro refused the operation %(operation)s: code %(return_code)s "
                                 "(%(libelle)s): %(detail)s"),
    "http_refused": _lt("Chorus Pro answered HTTP %(status)s to the operation %(operation)s: %(reason)s."),
    "unavailable": _lt("Chorus Pro is unavailable for the operation %(operation)s (%(cause)s); it will be tried "
                       "again later."),
    "upload_unconfirmed": _lt("Chorus Pro did not confirm the upload of the file %(name)s; the invoice %(number)s "
                              "was not deposited and can be sent again."),
    "answer_unreadable": _lt("The answer of Chorus Pro to the operation %(operation)s cannot be read "
                             "(%(detail)s); try again later."),
    "outcome_unknown": _lt("The answer of Chorus Pro to the operation %(operation)s for %(reference)s was lost "
                           "(%(cause)s); the invoice will be searched on Chorus Pro before any new deposit."),
    "duplicate_invoice": _lt("The invoice %(number)s is already on Chorus Pro (id %(invoice_id)s, status "
                             "%(status)s); nothing was sent."),
    "structure_not_found": _lt("The SIRET %(siret)s is not in the Chorus Pro directory: check the customer's SIRET "
                               "(the public entity that receives the invoice, given on the purchase order or the "
                               "market)."),
    "structure_inactive": _lt("The Chorus Pro structure of SIRET %(siret)s is inactive: it no longer receives "
                              "invoices. Ask the customer for the SIRET of the entity that replaces it."),
    "structure_ambiguous": _lt("%(count)s active structures of the Chorus Pro directory match the SIRET %(siret)s; "
                               "only one was expected. Check the customer's SIRET."),
    "supplier_not_attached": _lt("The technical account is not attached to the structure %(siret)s on Chorus Pro: "
                                 "attach it (\"Raccordement EDI/API\" space), then click \"Test the connection\"."),
    "bank_account_several": _lt("Several bank accounts are valid on Chorus Pro (%(accounts)s): choose the one of the "
                                "transfers in the Chorus Pro settings (\"Read the bank accounts from Chorus Pro\"), "
                                "then send the invoice again."),
    "bank_account_none": _lt("No valid bank account on the supplier structure: on Chorus Pro, menu \"Gestion des "
                             "structures\", add the company's bank details (IBAN and BIC), then send the invoice "
                             "again."),
    # -- the setup doctor's steps ------------------------------------------------------------------------------
    "doctor_not_run": _lt("Not checked: fix the previous step first."),
    "doctor_unexpected": _lt("Chorus Pro or PISTE did not answer as expected: %(detail)s"),
    "doctor_unexpected_retry": _lt("Chorus Pro or PISTE did not answer as expected: %(detail)s Try again in a few "
                                   "minutes; if the problem lasts, look at the Chorus Pro weather (météo)."),
    "doctor_settings_ok": _lt("Environment %(environment)s: PISTE application and technical account are set."),
    "doctor_piste_refused": _lt("PISTE refuses the client ID or the secret. Check the client ID and secret of the "
                                "PISTE application (menu \"Applications\" of piste.gouv.fr): they must be those of "
                                "the chosen environment (sandbox for qualification, production otherwise) and, if "
                                "the secret was regenerated, the new secret must be entered here."),
    "doctor_piste_ok": _lt("PISTE issued an access token."),
    "doctor_api_not_subscribed": _lt("The PISTE application has no access to the %(api)s API (%(purpose)s). In "
                                     "PISTE, accept the terms of use (CGU) of the %(api)s API (tab \"API\" of the "
                                     "catalogue, for the chosen environment) and attach it to your application."),
    "doctor_api_optional_missing": _lt("Warning: the PISTE application has no access to the %(api)s API. In PISTE, "
                                       "accept its terms of use (CGU) and attach it to your application. This API is "
                                       "optional but needed for: %(purpose)s."),
    "doctor_api_ok": _lt("The %(api)s API answers."),
    "doctor_technical_account_refused": _lt("Chorus Pro refuses the technical account. Check the login "
                                            "(TECH_1_…@cpro.fr) and the password of the technical account created in "
                                            "the \"Raccordement EDI/API\" space of the structure on Chorus Pro. The "
                                            "password expires every %(days)s days: once expired, the main manager of "
                                            "the structure renews it on Chorus Pro, then enter the new one here. "
                                            "Check also that the API connection of the structure is linked to your "
                                            "PISTE application."),
    "doctor_technical_account_ok": _lt("Chorus Pro accepts the technical account."),
    "doctor_supplier_not_attached": _lt("The structure with SIRET %(siret)s is not attached to the technical "
                                        "account: the raccordement is not done. On Chorus Pro, in the "
                                        "\"Raccordement EDI/API\" space of the structure, declare the API "
                                        "connection linked to your PISTE application and attach the technical "
                                        "account to the supplier structure. Structures seen: %(seen)s."),
    "doctor_no_supplier_structure": _lt("No supplier structure is attached to the technical account. On Chorus Pro, "
                                        "in the \"Raccordement EDI/API\" space of the structure, declare the API "
                                        "connection linked to your PISTE application and attach the technical "
                                        "account to the supplier structure."),
    "doctor_supplier_ok": _lt("%(name)s (SIRET %(siret)s, Chorus Pro id %(structure_id)s)."),
    "doctor_supplier_ok_several": _lt("%(name)s (SIRET %(siret)s, Chorus Pro id %(structure_id)s). Several "
                                      "structures are attached (%(structures)s): enter the company's SIRET to "
                                      "choose."),
    "doctor_no_bank_account": _lt("No valid bank account on the supplier structure. On Chorus Pro, menu \"Gestion "
                                  "des structures\", add the company's bank details (IBAN and BIC) to the structure: "
                                  "invoices paid by transfer need them."),
    "doctor_bank_accounts": _lt("%(count)s valid bank account(s): %(names)s."),
    "doctor_password_no_expiry": _lt("Chorus Pro gives no expiry date. Note the day of the last change: the password "
                                     "must be renewed every %(days)s days."),
    "doctor_password_expired": _lt("The password of the technical account expired on %(expiry)s. The main manager "
                                   "of the structure must renew it on Chorus Pro (\"Raccordement EDI/API\" space), "
                                   "then enter the new password here."),
    "doctor_password_expires_soon": _lt("Warning: the password of the technical account expires on %(expiry)s, in "
                                        "%(days)s day(s). The main manager of the structure must renew it on Chorus "
                                        "Pro, then enter the new one here."),
    "doctor_password_expires": _lt("The password expires on %(expiry)s, in %(days)s days."),
}

#: the title of each step of the setup doctor (chorus_pro.messages.DOCTOR_STEP_TITLES)
DOCTOR_STEP_TITLES = {
    "settings": _lt("Connection settings complete"),
    "piste_token": _lt("PISTE application credentials (access token)"),
    "api": _lt("API %(api)s reachable"),
    "technical_account": _lt("Technical account accepted by Chorus Pro"),
    "supplier": _lt("Supplier structure connected (raccordement)"),
    "bank_accounts": _lt("Valid bank details"),
    "password_expiry": _lt("Expiry of the technical account's password"),
}

#: the parameter whose value chooses the text, for the codes that have one text per value (French grammar)
TEXT_CHOSEN_BY = {"siret_missing": "party", "siret_invalid": "party", "works_party_missing": "party"}

#: the words of the parameters that take one of a few keys (chorus_pro.messages.PARAM_VALUES)
PARAM_VALUE_TEXTS = {
    "problem": {"missing": _lt("is missing"), "format": _lt("must contain digits only"), "length": _lt("must have 14 digits"),
                "checksum": _lt("is invalid (wrong check digit)")},
    "setting": {"cadre": _lt("invoicing frame (cadre)"), "invoice_type": _lt("document type"),
                "payment_mode": _lt("payment mode"), "vat_regime": _lt("VAT regime"),
                "piste_client_id": _lt("PISTE client ID"), "piste_client_secret": _lt("PISTE client secret"),
                "tech_login": _lt("technical account login"), "tech_password": _lt("technical account password"),
                "connect_timeout": _lt("connection timeout"), "read_timeout": _lt("answer timeout"),
                "max_attempts": _lt("number of attempts")},
    "server": {"piste": _lt("PISTE authentication"), "chorus": _lt("Chorus Pro")},
    "purpose": {"factures": _lt("filing and following invoices"),
                "structures": _lt("searching public buyers and their services"),
                "transverses": _lt("attachments, structures and bank details"),
                "utilisateurs": _lt("attachments of the technical account"),
                "engagementsJuridiques": _lt("checking legal commitment (EJ) numbers"),
                "facturesTravaux": _lt("works statements and situations (cadres A4, A7, A8…)")},
    "reason": {"not_found": _lt("the operation does not exist on this environment"),
               "too_large": _lt("the document is too large"), "format": _lt("request format refused"),
               "refused": _lt("request refused")},
}

#: parameters of the library that a text leaves out on purpose (the environment variable means nothing in Odoo)
UNSHOWN_PARAMS = {"setting_missing": {"variable"}, "supplier_not_attached": {"seen"}}

#: parameters that are amounts in euros, and numbers written with the language's decimal separator
AMOUNT_PARAMS = frozenset({"untaxed", "lines_sum", "vat", "vat_sum", "base_sum", "total", "expected", "amount",
                           "due"})
NUMBER_PARAMS = frozenset({"rate", "rates", "meant", "size"})
#: parameters that are days (ISO dates), written as the language writes dates
DATE_PARAMS = frozenset({"expiry"})

#: where the user fixes an issue in Odoo, by the issue's field (the longest matching prefix wins)
FIELD_HINTS = {
    "supplier": _lt("Enter it in Accounting › Configuration › Settings › Chorus Pro."),
    "buyer.siret": _lt("Enter the 14 digits on the customer's form."),
    "buyer.service_code": _lt("Fill in \"Service code\" in the Chorus Pro tab of the invoice, or choose the "
                              "market's service."),
    "ej_number": _lt("Fill in \"Legal commitment (EJ)\" in the Chorus Pro tab of the invoice."),
    "validator_siret": _lt("Choose the validator on the works market."),
    "market_number": _lt("Fill in the market number on the works market or in the Chorus Pro tab of the "
                         "invoice."),
    "moe": _lt("Choose it, with its SIRET, on the works market."),
    "moa": _lt("Choose it, with its SIRET, on the works market."),
    "currency": _lt("Change the currency of the invoice."),
    "totals": _lt("Check the amounts and taxes of the invoice."),
    "vat_lines": _lt("Check the taxes of the invoice."),
    "lines": _lt("Check the lines of the invoice."),
    "bank_account_id": _lt("Click \"Test the connection\" in Accounting › Configuration › Settings › Chorus Pro."),
}

#: configuration errors whose text says itself where to fix them (not in the connection settings)
OWN_FIX_CODES = frozenset({"supplier_not_attached", "bank_account_several", "bank_account_none"})

#: where the user fixes an error in Odoo, by the error's class
SETTINGS_HINT = _lt("Open Accounting › Configuration › Settings › Chorus Pro to fix the connection.")


def _params(env, params):
    decimal_point = env["res.lang"]._get_data(code=env.lang or "en_US").decimal_point or "."
    euro = env.ref("base.EUR", raise_if_not_found=False)
    shown = {}
    for key, value in params.items():
        words = PARAM_VALUE_TEXTS.get(key, {}).get(value)
        if words is not None:
            value = env._(words)
        elif key in AMOUNT_PARAMS and euro:
            value = formatLang(env, float(value), currency_obj=euro)
        elif key in DATE_PARAMS:
            value = format_date(env, value)
        elif key in NUMBER_PARAMS:
            value = value.replace(".", decimal_point)
        shown[key] = value
    return shown


def siret_problem_text(env, problem):
    """Why a SIRET is refused (a key of ``chorus_pro.siret.PROBLEMS``), in ``env``'s language."""
    words = PARAM_VALUE_TEXTS["problem"][problem]  # a variable: the export must not take the key for a text
    return env._(words)


def _hint(env, field):
    field = field or ""
    matches = [key for key in FIELD_HINTS if field == key or field.startswith((key + ".", key + "["))]
    if not matches:
        return ""
    hint = FIELD_HINTS[max(matches, key=len)]
    return env._(hint)


def _text(env, code, params):
    template = TEXTS[code]
    if code in TEXT_CHOSEN_BY:
        template = template[params[TEXT_CHOSEN_BY[code]]]
    return env._(template) % _params(env, params)


def code_text(env, code, **params):
    """The text of a library code in ``env``'s language, for a check the add-on makes itself."""
    return _text(env, code, params)


def issue_text(env, issue: ValidationIssue, with_hint=True):
    """One issue of :func:`chorus_pro.documents.validate_invoice` in ``env``'s language, with where to fix it."""
    text = _text(env, issue.code, issue.params)
    hint = _hint(env, issue.field) if with_hint else ""
    return f"{text} {hint}" if hint else text


def error_text(env, error):
    """A chorus_pro error (or an Odoo ``UserError``) in ``env``'s language, with where to fix it."""
    if isinstance(error, UserError):
        return error.args[0]
    if not isinstance(error, ChorusProError):
        return str(error)
    if isinstance(error, DocumentValidationError):
        issues = "\n".join(f"- {issue_text(env, issue)}" for issue in error.issues)
        return code_text(env, "document_invalid", issues=issues)
    if error.code not in TEXTS:  # an error no screen can provoke: say so around the English text of the logs
        return env._("Chorus Pro: %(message)s", message=error.message_en)
    text = _text(env, error.code, error.params)
    if isinstance(error, (AuthenticationError, ConfigurationError)) and error.code not in OWN_FIX_CODES:
        text = f"{text} {env._(SETTINGS_HINT)}"
    return text


def doctor_title(env, key):
    """The title of the setup doctor's step ``key`` in ``env``'s language."""
    from chorus_pro.doctor import API_LABELS

    if key in API_LABELS:
        title = DOCTOR_STEP_TITLES["api"]
        return env._(title) % {"api": API_LABELS[key]}
    title = DOCTOR_STEP_TITLES[key]
    return env._(title)


def doctor_text(env, check):
    """What a step of the setup doctor found, in ``env``'s language; an unexpected error is shown as the add-on
    shows that error."""
    params = dict(check.params)
    if check.code in ("doctor_unexpected", "doctor_unexpected_retry") and isinstance(check.value, ChorusProError):
        template = TEXTS[check.code]
        return env._(template) % {"detail": error_text(env, check.value)}
    if check.key == "settings" and not check.passed and isinstance(check.value, ChorusProError):
        return error_text(env, check.value)
    return _text(env, check.code, params)


def user_error(env, error):
    """The ``UserError`` to raise for a chorus_pro error (the transaction is rolled back, nothing is written)."""
    return UserError(error_text(env, error))
