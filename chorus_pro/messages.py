"""What the library tells people: a stable code and its parameters, and the English text made from them.

Every :class:`~chorus_pro.errors.ValidationIssue` and every :class:`~chorus_pro.errors.ChorusProError` a user
can meet carries a ``code`` of :data:`MESSAGES` and its ``params`` (plain strings: amounts as ``1234.50``,
dates as ``2026-03-31``).  The command line and the logs read the English ``message_en`` made here; a user
interface says the same in its user's language from the code and the parameters (the Odoo add-on has one text
per code).  A parameter named in :data:`PARAM_VALUES` takes one of a few keys, shown in English through that
table and translated by key.
"""

from __future__ import annotations

import string

from .siret import PROBLEMS as SIRET_PROBLEMS

#: the English text of each code; ``{name}`` are its parameters
MESSAGES = {
    # -- validation of a document before sending it (ValidationIssue) ----------------------------------------
    "siret_missing": "The SIRET of the {party} is missing.",
    "siret_invalid": "The SIRET of the {party} '{siret}' {problem}.",
    "unknown_value": "Unknown {setting} '{value}': choose a value of the list.",
    "number_missing": "The invoice number is missing: post the invoice first.",
    "service_code_reserved": "Service code {service} is reserved to invoices between public entities: choose another "
                             "service code of the buyer.",
    "buyer_requires_service": "Buyer {buyer} requires a service code (destinataire.codeServiceExecutant).",
    "buyer_requires_ej": "Buyer {buyer} requires an engagement juridique number (references.numeroBonCommande).",
    "buyer_requires_service_or_ej": "Buyer {buyer} requires a service code or an engagement juridique number.",
    "cadre_not_invoice": "Cadre {cadre} cannot be submitted as an invoice (soumettre accepts A1, A2, A9, A12); "
                         "deposit it as a works document.",
    "cadre_not_works": "Cadre {cadre} is not a works cadre (A4, A7, A8, A10, A11, A13, A14).",
    "market_number_missing": "The market number is required for works cadre {cadre}.",
    "works_party_missing": "The {party} is required for works cadre {cadre}.",
    "situation_number_missing": "The situation number is required for a monthly statement ({cadre}).",
    "ej_too_long": "The engagement juridique number has {length} characters (at most {max}).",
    "currency_not_euro": "Currency '{currency}' is not supported: only invoices in euros (EUR) can be sent.",
    "vat_exemption_reason_missing": "A VAT-exempt invoice needs its exemption reason.",
    "no_lines": "The invoice has no line: data-entry mode (SAISIE_API) needs at least one.",
    "line_no_description": "Line {line} has no description.",
    "main_pdf_missing": "The invoice PDF is missing: PDF mode (DEPOT_PDF_API) needs it.",
    "attachment_name_empty": "An attachment has an empty file name: give it a name with its extension.",
    "attachment_name_too_long": "Attachment name '{name}' has {length} characters; Chorus Pro accepts at most "
                                "{max} including the extension.",
    "main_file_not_pdf": "The main file '{name}' must be a PDF (.pdf extension).",
    "attachment_no_extension": "Attachment '{name}' has no extension, not accepted by Chorus Pro (use e.g. PDF, "
                               "JPG, PNG, XLSX, DOCX, ODT, ZIP).",
    "attachment_extension_refused": "Attachment '{name}' has extension {extension}, not accepted by Chorus Pro "
                                    "(use e.g. PDF, JPG, PNG, XLSX, DOCX, ODT, ZIP).",
    "attachment_empty": "Attachment '{name}' is empty.",
    "attachment_too_large": "Attachment '{name}' is {size} MB; Chorus Pro accepts at most 10 MB per file.",
    "dossier_too_large": "Invoice and attachments weigh {size} MB; Chorus Pro accepts at most 120 MB.",
    "line_vat_rate": "Line {line}: VAT rate {rate} is not a French rate ({rates}).",
    "line_vat_rate_fraction": "Line {line}: VAT rate {rate} is not a French rate ({rates}); rates are "
                              "percentages: write {meant}, not {rate}.",
    "vat_breakdown_rate": "VAT breakdown: VAT rate {rate} is not a French rate ({rates}).",
    "vat_breakdown_rate_fraction": "VAT breakdown: VAT rate {rate} is not a French rate ({rates}); rates are "
                                   "percentages: write {meant}, not {rate}.",
    "untaxed_differs": "Untaxed total {untaxed} differs from the sum of the lines {lines_sum}.",
    "vat_differs": "VAT total {vat} differs from the sum of the per-rate VAT lines {vat_sum}.",
    "vat_bases_differ": "The per-rate VAT bases sum to {base_sum}, not the untaxed total {untaxed}.",
    "total_differs": "Total {total} is not untaxed + VAT - global discount ({expected}).",
    "total_negative": "The total is negative ({amount}): to cancel or reduce an invoice, send a credit note "
                      "(invoice_type: AVOIR) with positive amounts.",
    "amount_due_out_of_range": "Amount due {due} must be between 0 and the total {total}.",
    "credit_note_payment_mode": "A credit note must not carry a payment mode.",
    "original_invoice_missing": "A credit note needs the number of the invoice it corrects.",
    "payment_mode_missing": "The invoice needs a payment mode.",
    "bank_account_missing": "Payment by transfer needs the id of a valid bank account registered on Chorus Pro.",
    "refusal_reason_missing": "Document {number} cannot be refused without a reason (motif du refus): give the "
                              "reason the subcontractor or co-contractor will read.",
    # -- errors (ChorusProError) -----------------------------------------------------------------------------
    "document_invalid": "The document cannot be sent to Chorus Pro:\n{issues}",
    "setting_missing": "Chorus Pro setting missing: {setting} ({variable}); set it and try again",
    "tech_login_format": "The technical account login must look like TECH_1_...@cpro.fr",
    "setting_not_positive": "{setting} must be positive",
    "environment_unknown": "Unknown Chorus Pro environment '{value}'; choose one of {choices}",
    "url_invalid": "The {server} URL is invalid: check simulator_url",
    "piste_timeout": "The PISTE OAuth server did not answer in time",
    "piste_unreachable": "Cannot reach the PISTE OAuth server ({cause})",
    "piste_unavailable": "The PISTE OAuth server answered HTTP {status}",
    "piste_credentials_refused": "PISTE refused the client credentials{detail} (HTTP {status}): check the PISTE "
                                 "client ID and client secret in the Chorus Pro settings",
    "piste_unexpected_answer": "Unexpected answer of the PISTE OAuth server: {detail}",
    "piste_token_refused": "PISTE refused a freshly issued access token (HTTP 401): check the PISTE client ID and "
                           "secret and that the PISTE application is the one of this environment",
    "api_not_subscribed": "Access to the Chorus Pro API {api} was refused (HTTP 403): subscribe the PISTE "
                          "application to the {api} API and accept its terms of use (CGU) on piste.gouv.fr, for "
                          "this environment",
    "technical_account_refused": "Chorus Pro refused the technical account (cpro-account header, HTTP {status}): "
                                 "check the technical account login and password in the settings; the password "
                                 "expires every {days} days",
    "business_error": "Chorus Pro refused {operation}: codeRetour {return_code} ({libelle})",
    "business_error_detail": "Chorus Pro refused {operation}: codeRetour {return_code} ({libelle}): {detail}",
    "http_refused": "Chorus Pro answered HTTP {status} to {operation}: {reason}",
    "unavailable": "Chorus Pro is unavailable for {operation} ({cause}); try again later",
    "upload_unconfirmed": "The upload of {name} (transverses/v1/ajouter/fichier) was not confirmed; invoice "
                          "{number} was not deposited and can be sent again",
    "answer_unreadable": "{operation}: the answer of Chorus Pro cannot be read ({detail})",
    "outcome_unknown": "The answer of {operation} for {reference} was lost ({cause}); search Chorus Pro for it "
                       "before sending it again",
    "duplicate_invoice": "Invoice {number} is already on Chorus Pro (Chorus Pro id {invoice_id}, status {status}); "
                         "nothing was sent",
    "structure_not_found": "SIRET {siret} is not in the Chorus Pro directory: check the SIRET of the customer",
    "structure_inactive": "The Chorus Pro structure of SIRET {siret} is inactive: ask the customer for its current "
                          "SIRET",
    "supplier_not_attached": "Supplier SIRET {siret} is not among the structures of the technical account "
                             "({seen}): finish the API connection (raccordement) on Chorus Pro, or fix the "
                             "supplier's SIRET",
    "bank_account_several": "Several valid bank accounts on Chorus Pro: choose one of {accounts}",
    "bank_account_none": "No valid bank account on the supplier structure: add one (IBAN and BIC) on Chorus Pro",
    "structure_ambiguous": "{count} active Chorus Pro structures match SIRET {siret}; expected exactly one",
    # -- the setup doctor's steps (CheckResult) ---------------------------------------------------------------
    "doctor_not_run": "Not checked: fix the previous step first.",
    "doctor_unexpected": "Chorus Pro or PISTE did not answer as expected ({detail}).",
    "doctor_unexpected_retry": "Chorus Pro or PISTE did not answer as expected ({detail}). Try again in a few "
                               "minutes; if the problem lasts, look at the Chorus Pro weather (météo).",
    "doctor_settings_ok": "Environment {environment}: PISTE application and technical account are set.",
    "doctor_piste_refused": "PISTE refuses the client ID or the secret: check the client ID and secret of the PISTE "
                            "application (menu Applications of piste.gouv.fr); they must be those of the chosen "
                            "environment (sandbox for qualification, production otherwise), and a regenerated "
                            "secret must be entered here.",
    "doctor_piste_ok": "PISTE issued an access token.",
    "doctor_api_not_subscribed": "The PISTE application may not call the {api} API ({purpose}): in PISTE, accept the "
                                 "terms of use (CGU) of the {api} API (tab API of the catalogue, for the chosen "
                                 "environment) and attach it to your application.",
    "doctor_api_optional_missing": "Warning: the PISTE application may not call the {api} API: in PISTE, accept its "
                                   "terms of use (CGU) and attach it to your application. This API is optional but "
                                   "needed for: {purpose}.",
    "doctor_api_ok": "The {api} API answers.",
    "doctor_technical_account_refused": "Chorus Pro refuses the technical account: check the login (TECH_1_...@cpro.fr) "
                                        "and the password of the technical account created in the Raccordement "
                                        "EDI/API space of the structure on Chorus Pro. The password expires every "
                                        "{days} days: once expired, the main manager of the structure renews it on "
                                        "Chorus Pro and the new one is entered here. Check also that the API "
                                        "connection of the structure is linked to your PISTE application.",
    "doctor_technical_account_ok": "Chorus Pro accepts the technical account.",
    "doctor_supplier_not_attached": "Structure {siret} is not attached to the technical account: the raccordement "
                                    "is not done. On Chorus Pro, in the Raccordement EDI/API space of the structure, "
                                    "declare the API connection linked to your PISTE application and attach the "
                                    "technical account to the supplier structure. Structures seen: {seen}.",
    "doctor_no_supplier_structure": "No supplier structure is attached to the technical account. On Chorus Pro, in "
                                    "the Raccordement EDI/API space of the structure, declare the API connection "
                                    "linked to your PISTE application and attach the technical account to the "
                                    "supplier structure.",
    "doctor_supplier_ok": "{name} (SIRET {siret}, Chorus Pro id {structure_id}).",
    "doctor_supplier_ok_several": "{name} (SIRET {siret}, Chorus Pro id {structure_id}). Several structures are "
                                  "attached ({structures}): give the SIRET to choose.",
    "doctor_no_bank_account": "No valid bank account on the supplier structure: on Chorus Pro, menu Gestion des "
                              "structures, add the company's bank details (IBAN and BIC) to the structure; invoices "
                              "paid by transfer need them.",
    "doctor_bank_accounts": "{count} valid bank account(s): {names}.",
    "doctor_password_no_expiry": "Chorus Pro gives no expiry date for the technical password: note the day it was "
                                 "changed; it must be renewed every {days} days.",
    "doctor_password_expired": "The password of the technical account expired on {expiry}: the main manager of the "
                               "structure renews it on Chorus Pro (Raccordement EDI/API space), then the new "
                               "password is entered here.",
    "doctor_password_expires_soon": "Warning: the password of the technical account expires on {expiry}, in {days} "
                                    "day(s): the main manager of the structure renews it on Chorus Pro, then the "
                                    "new one is entered here.",
    "doctor_password_expires": "The password expires on {expiry}, in {days} days.",
}

#: the English title of each step of the setup doctor (an API's step: ``api`` with the API's name)
DOCTOR_STEP_TITLES = {
    "settings": "Connection settings complete",
    "piste_token": "PISTE application credentials (access token)",
    "api": "API {api} reachable",
    "technical_account": "Technical account accepted by Chorus Pro",
    "supplier": "Supplier structure connected",
    "bank_accounts": "Valid bank details",
    "password_expiry": "Expiry of the technical account's password",
}

#: parameters that take one of a few keys, and the English words of each key
PARAM_VALUES = {
    "party": {"supplier": "supplier", "buyer": "buyer", "validator": "validator", "moe": "maître d'œuvre (MOE)",
              "moa": "maître d'ouvrage (MOA)"},
    "problem": {key: text for key, text in SIRET_PROBLEMS.items() if key != "missing"},
    "setting": {"cadre": "cadre de facturation", "invoice_type": "document type (FACTURE or AVOIR)",
                "payment_mode": "payment mode", "vat_regime": "VAT regime",
                "piste_client_id": "PISTE client ID", "piste_client_secret": "PISTE client secret",
                "tech_login": "technical account login", "tech_password": "technical account password",
                "connect_timeout": "connect_timeout", "read_timeout": "read_timeout",
                "max_attempts": "max_attempts"},
    "server": {"piste": "PISTE token", "chorus": "Chorus Pro"},
    "purpose": {"factures": "filing and following invoices",
                "structures": "searching public buyers and their services",
                "transverses": "attachments, structures and bank details",
                "utilisateurs": "attachments of the technical account",
                "engagementsJuridiques": "checking legal commitment (EJ) numbers",
                "facturesTravaux": "works statements and situations (cadres A4, A7, A8…)"},
    "reason": {"not_found": "the operation does not exist on this environment", "too_large": "the document is too "
               "large", "format": "unsupported request format", "refused": "request refused"},
}


def params_of(code: str) -> frozenset[str]:
    """The names of the parameters of ``code``."""
    return frozenset(name for _text, name, _spec, _conv in string.Formatter().parse(MESSAGES[code]) if name)


def message_en(code: str, params: dict[str, str]) -> str:
    """The English text of ``code`` with ``params`` (keys of :data:`PARAM_VALUES` shown in English)."""
    shown = {name: PARAM_VALUES.get(name, {}).get(value, value) for name, value in params.items()}
    return MESSAGES[code].format(**shown)
