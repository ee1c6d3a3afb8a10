"""validate_invoice: one test per rule; every issue names its field in French, all are listed at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import build_invoice, build_works_invoice
from stdnum import luhn

from chorus_pro.cadres import Cadre
from chorus_pro.documents import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    DepositMode,
    InvoiceType,
    Line,
    Party,
    PaymentMode,
    Totals,
    VatLine,
    VatRegime,
    validate_invoice,
)
from chorus_pro.errors import ChorusProError, DocumentValidationError
from chorus_pro.messages import MESSAGES, PARAM_VALUES, params_of
from chorus_pro.results import ReferenceRequirement
from chorus_pro.simulator import seed
from chorus_pro.siret import compact_siret, is_valid_siret, siret_problem

D = Decimal


def issues_of(invoice, *, operation="soumettre", mode=DepositMode.PDF):
    try:
        validate_invoice(invoice, operation=operation, mode=mode)
    except DocumentValidationError as error:
        return error.issues
    return []


def only_issue(invoice, field, code, operation="soumettre", mode=DepositMode.PDF, **params):
    """The invoice has exactly one issue, on ``field``, of ``code`` with (at least) ``params``; its English
    message is made from the same parameters."""
    issues = issues_of(invoice, operation=operation, mode=mode)
    assert [(i.field, i.code) for i in issues] == [(field, code)], [i.message_en for i in issues]
    issue = issues[0]
    assert set(issue.params) == params_of(code), issue.params
    for name, value in params.items():
        assert issue.params[name] == value, issue.params
    assert issue.message_en and "{" not in issue.message_en
    return issue


# -- valid documents ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", list(DepositMode))
def test_a_complete_invoice_passes_in_both_modes(mode):
    validate_invoice(build_invoice(), mode=mode)


@pytest.mark.parametrize("cadre", [Cadre.A4, Cadre.A7, Cadre.A8, Cadre.A10, Cadre.A11, Cadre.A13, Cadre.A14])
def test_every_works_cadre_passes_the_works_operation(cadre):
    validate_invoice(build_works_invoice(cadre), operation="works")


def test_unknown_operation_is_a_programming_error():
    with pytest.raises(ValueError, match="operation"):
        validate_invoice(build_invoice(), operation="deposer")


# -- SIRET -------------------------------------------------------------------------------------
def test_supplier_siret_with_a_wrong_check_digit():
    invoice = build_invoice(supplier=Party("81234567600018"))
    issue = only_issue(invoice, "supplier.siret", "siret_invalid", party="supplier", siret="81234567600018",
                       problem="checksum")
    assert issue.message_en == "The SIRET of the supplier '81234567600018' is invalid (wrong check digit)."


def test_buyer_siret_missing():
    only_issue(build_invoice(buyer=Party("", service_code="SERV-TECH")), "buyer.siret", "siret_missing",
               party="buyer")


@pytest.mark.parametrize("value, problem", [("2172000130001", "length"), ("2172000130001A", "format"),
                                            ("21720001300018", "checksum"), ("   ", "missing")])
def test_siret_problems_are_told_apart(value, problem):
    assert siret_problem(value) == problem
    code = "siret_missing" if problem == "missing" else "siret_invalid"
    issue = only_issue(build_invoice(buyer=Party(value)), "buyer.siret", code, party="buyer")
    assert issue.params.get("problem", "missing") == problem


def test_siret_typed_with_spaces_is_accepted():
    assert compact_siret("217 200 013 00019") == seed.COMMUNE.siret
    validate_invoice(build_invoice(buyer=Party("217 200 013 00019", service_code="SERV-TECH")))


def test_la_poste_siret_follows_its_own_rule_not_luhn():
    # establishments of La Poste (SIREN 356000000) have a digit sum multiple of 5, not a Luhn key
    post_office = "35600000049837"
    assert not luhn.is_valid(post_office)
    assert sum(map(int, post_office)) % 5 == 0
    assert is_valid_siret(post_office)
    validate_invoice(build_invoice(buyer=Party(post_office, service_code="SERV-TECH")))
    # the head office follows Luhn; a La Poste number failing the rule is still refused
    assert is_valid_siret("35600000000048")
    assert siret_problem("35600000049838") == "checksum"
    only_issue(build_invoice(buyer=Party("35600000049838")), "buyer.siret", "siret_invalid", problem="checksum")


# -- references ------------------------------------------------------------------------------
def test_invoice_number_missing():
    only_issue(build_invoice(number="  "), "number", "number_missing")


def test_ej_longer_than_50_characters():
    only_issue(build_invoice(ej_number="E" * 51), "ej_number", "ej_too_long", length="51", max="50")
    validate_invoice(build_invoice(ej_number="E" * 50))


def test_public_invoices_service_code_is_refused():
    invoice = build_invoice(buyer=Party(seed.COMMUNE.siret, service_code="factures_publiques"))
    only_issue(invoice, "buyer.service_code", "service_code_reserved", service="FACTURES_PUBLIQUES")


def test_currency_other_than_euro():
    only_issue(build_invoice(currency="USD"), "currency", "currency_not_euro", currency="USD")


def test_exempt_invoice_needs_its_exemption_reason():
    invoice = build_invoice(vat_regime=VatRegime.EXEMPT)
    only_issue(invoice, "vat_exemption_reason", "vat_exemption_reason_missing")
    validate_invoice(build_invoice(vat_regime=VatRegime.EXEMPT, vat_exemption_reason="AUTOLIQUIDATION"))


# -- cadres ------------------------------------------------------------------------------------
def test_works_cadre_cannot_be_submitted_as_an_invoice():
    invoice = build_works_invoice(Cadre.A4)
    only_issue(invoice, "cadre", "cadre_not_invoice", cadre="A4")


def test_invoice_cadre_is_not_a_works_document():
    only_issue(build_invoice(cadre=Cadre.A1), "cadre", "cadre_not_works", cadre="A1", operation="works")


@pytest.mark.parametrize("cadre", [Cadre.A1, Cadre.A2, Cadre.A9, Cadre.A12])
def test_submit_cadres_are_accepted(cadre):
    invoice = build_invoice(cadre=cadre, validator_siret=seed.TITULAIRE.siret)
    validate_invoice(invoice)


def test_a9_needs_the_titulaire_siret():
    only_issue(build_invoice(cadre=Cadre.A9), "validator_siret", "siret_missing", party="validator")


def test_a12_needs_a_valid_mandataire_siret():
    invoice = build_invoice(cadre=Cadre.A12, validator_siret="51234567900018")
    only_issue(invoice, "validator_siret", "siret_invalid", party="validator", problem="checksum")
    validate_invoice(build_invoice(cadre=Cadre.A12, validator_siret=seed.MANDATAIRE.siret))


def test_works_cadre_needs_the_market_number():
    only_issue(build_works_invoice(market_number=""), "market_number", "market_number_missing", operation="works",
               cadre="A4")


def test_works_cadre_needs_the_moe():
    only_issue(build_works_invoice(moe=None), "moe", "works_party_missing", operation="works", party="moe")


def test_works_cadre_needs_the_moa():
    only_issue(build_works_invoice(Cadre.A7, moa=None), "moa", "works_party_missing", operation="works", party="moa")


def test_moe_siret_is_checked():
    only_issue(build_works_invoice(moe=Party("44455566800012")), "moe.siret", "siret_invalid", party="moe",
               operation="works")


@pytest.mark.parametrize("cadre", [Cadre.A4, Cadre.A10, Cadre.A13])
def test_monthly_statement_needs_its_situation_number(cadre):
    only_issue(build_works_invoice(cadre, situation_number=None), "situation_number", "situation_number_missing",
               operation="works", cadre=cadre.name)


@pytest.mark.parametrize("cadre", [Cadre.A7, Cadre.A8, Cadre.A11, Cadre.A14])
def test_final_statements_have_no_situation_number(cadre):
    validate_invoice(build_works_invoice(cadre, situation_number=None), operation="works")


# -- content -----------------------------------------------------------------------------------
def test_data_mode_needs_at_least_one_line():
    invoice = build_invoice(lines=[])
    only_issue(invoice, "lines", "no_lines", mode=DepositMode.DATA)
    validate_invoice(invoice, mode=DepositMode.PDF)  # the PDF carries the lines


def test_data_mode_line_needs_a_description():
    invoice = build_invoice()
    invoice.lines[1].description = ""
    only_issue(invoice, "lines[1].description", "line_no_description", mode=DepositMode.DATA, line="2")


def test_pdf_mode_needs_the_main_pdf():
    invoice = build_invoice(main_pdf=None)
    only_issue(invoice, "main_pdf", "main_pdf_missing")
    validate_invoice(invoice, mode=DepositMode.DATA)


def test_main_file_must_be_a_pdf():
    only_issue(build_invoice(main_pdf=Attachment("facture.docx", b"x")), "main_pdf.name", "main_file_not_pdf")


def test_attachment_name_longer_than_50_characters():
    name = "a" * 47 + ".pdf"
    only_issue(build_invoice(attachments=[Attachment(name, b"x")]), "attachments[0].name", "attachment_name_too_long",
               name=name, length="51", max="50")
    validate_invoice(build_invoice(attachments=[Attachment("a" * 46 + ".pdf", b"x")]))


def test_attachment_without_extension():
    only_issue(build_invoice(attachments=[Attachment("bordereau", b"x")]), "attachments[0].name",
               "attachment_no_extension", name="bordereau")


def test_attachment_with_a_refused_extension():
    only_issue(build_invoice(attachments=[Attachment("outil.exe", b"x")]), "attachments[0].name",
               "attachment_extension_refused", name="outil.exe", extension="EXE")


@pytest.mark.parametrize("name", ["plan.DWG.zip", "photo.JPEG", "metre.xlsx", "signature.p7s"])
def test_allowed_extensions_in_any_case(name):
    validate_invoice(build_invoice(attachments=[Attachment(name, b"x")]))


def test_empty_attachment():
    only_issue(build_invoice(attachments=[Attachment("pv.pdf", b"")]), "attachments[0].content", "attachment_empty", name="pv.pdf")


def test_attachment_over_10_mb():
    big = Attachment("photos.zip", b"\0" * (MAX_ATTACHMENT_BYTES + 1))
    only_issue(build_invoice(attachments=[big]), "attachments[0].content", "attachment_too_large",
               name="photos.zip", size="10.0")
    validate_invoice(build_invoice(attachments=[Attachment("photos.zip", b"\0" * MAX_ATTACHMENT_BYTES)]))


def test_invoice_and_attachments_over_120_mb():
    chunk = b"\0" * MAX_ATTACHMENT_BYTES  # shared by every attachment: 10 MB of memory only
    attachments = [Attachment(f"annexe-{i:02d}.pdf", chunk) for i in range(12)]
    only_issue(build_invoice(attachments=attachments), "attachments", "dossier_too_large", size="120.0")
    validate_invoice(build_invoice(attachments=attachments[:11]))


# -- totals ------------------------------------------------------------------------------------
def test_untaxed_total_must_be_the_sum_of_the_lines():
    invoice = build_invoice()
    invoice.lines.append(Line(3, "Nettoyage", D("1"), D("0.01"), D("20")))
    only_issue(invoice, "totals.untaxed", "untaxed_differs", untaxed="4250.00", lines_sum="4250.01")


def test_line_discount_counts_in_the_sum():
    invoice = build_invoice()
    invoice.lines[0].discount = D("250.00")
    only_issue(invoice, "totals.untaxed", "untaxed_differs")


def test_vat_total_must_be_the_sum_of_the_vat_lines():
    invoice = build_invoice(vat_lines=[VatLine(D("20"), D("3750.00"), D("750.00")),
                                       VatLine(D("5.5"), D("500.00"), D("27.51"))])
    issue = only_issue(invoice, "totals.vat", "vat_differs", vat="777.50", vat_sum="777.51")
    assert "777.51" in issue.message_en


def test_vat_bases_must_add_up_to_the_untaxed_total():
    invoice = build_invoice(vat_lines=[VatLine(D("20"), D("3750.00"), D("750.00")),
                                       VatLine(D("5.5"), D("400.00"), D("27.50"))])
    only_issue(invoice, "vat_lines", "vat_bases_differ", base_sum="4150.00", untaxed="4250.00")


def test_total_must_be_untaxed_plus_vat():
    invoice = build_invoice(totals=Totals(D("4250.00"), D("777.50"), D("5027.49"), D("5027.49")))
    only_issue(invoice, "totals.total", "total_differs", total="5027.49", expected="5027.50")


def test_amount_due_above_the_total():
    invoice = build_invoice(totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("5027.51")))
    only_issue(invoice, "totals.amount_due", "amount_due_out_of_range", total="5027.50")


def test_negative_amount_due():
    invoice = build_invoice(totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("-1")))
    only_issue(invoice, "totals.amount_due", "amount_due_out_of_range", total="5027.50")


def test_amount_due_below_total_after_retention_and_zero_for_an_already_paid_invoice():
    # retenue de garantie of 5 % withheld; an A2 invoice has already been paid
    validate_invoice(build_invoice(totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("4776.13"))))
    validate_invoice(build_invoice(cadre=Cadre.A2, totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("0"))))


def test_amounts_are_compared_to_the_cent():
    invoice = build_invoice(totals=Totals(D("4250.004"), D("777.499"), D("5027.50"), D("5027.50")))
    validate_invoice(invoice)


# -- payment -----------------------------------------------------------------------------------
def credit_note(**overrides):
    values = dict(invoice_type=InvoiceType.CREDIT_NOTE, number="AV-2026-0003", payment_mode=None,
                  original_invoice_number="FA-2026-0042", bank_account_id=None)
    values.update(overrides)
    return build_invoice(**values)


def test_valid_credit_note():
    validate_invoice(credit_note())


def test_credit_note_without_payment_mode():
    only_issue(credit_note(payment_mode=PaymentMode.TRANSFER), "payment_mode", "credit_note_payment_mode")


def test_credit_note_names_the_original_invoice():
    only_issue(credit_note(original_invoice_number=""), "original_invoice_number", "original_invoice_missing")


def test_invoice_needs_a_payment_mode():
    only_issue(build_invoice(payment_mode=None), "payment_mode", "payment_mode_missing")


def test_transfer_needs_the_chorus_bank_account():
    only_issue(build_invoice(bank_account_id=None), "bank_account_id", "bank_account_missing")
    validate_invoice(build_invoice(bank_account_id=None, payment_mode=PaymentMode.CHEQUE))


# -- all at once -------------------------------------------------------------------------------
def test_every_issue_is_listed_at_once():
    invoice = build_invoice(
        number="", supplier=Party("123"), buyer=Party("21720001300018", service_code="FACTURES_PUBLIQUES"),
        ej_number="X" * 60, currency="GBP", cadre=Cadre.A9, main_pdf=None, bank_account_id=None,
        attachments=[Attachment("x" * 60 + ".exe", b"")],
        totals=Totals(D("1"), D("2"), D("4"), D("5")),
    )
    with pytest.raises(DocumentValidationError) as caught:
        validate_invoice(invoice, mode=DepositMode.PDF)
    error = caught.value
    assert [i.field for i in error.issues] == [
        "supplier.siret", "buyer.siret", "number", "buyer.service_code", "validator_siret", "ej_number",
        "currency", "main_pdf", "attachments[0].name", "attachments[0].name", "attachments[0].content",
        "totals.untaxed", "totals.vat", "vat_lines", "totals.total", "totals.amount_due", "bank_account_id",
    ]
    # the English text (command line, logs) lists every issue with its field; a user interface reads the codes
    assert isinstance(error, ChorusProError) and error.code == "document_invalid"
    assert str(error).count("\n- ") == len(error.issues)
    assert "\n- validator_siret: The SIRET of the validator is missing." in str(error)
    assert error.field == "supplier.siret"
    assert [i.code for i in error.issues][:6] == ["siret_invalid", "siret_invalid", "number_missing",
                                                   "service_code_reserved", "siret_missing", "ej_too_long"]


# -- codes given as text ---------------------------------------------------------------------------
def test_codes_given_as_text_are_read_as_enums():
    invoice = build_invoice(cadre="A9", invoice_type="FACTURE", payment_mode="VIREMENT",
                            vat_regime="TVA_SUR_ENCAISSEMENT", validator_siret=seed.TITULAIRE.siret)
    validate_invoice(invoice)
    only_issue(build_invoice(cadre="A9_FACTURE_SOUSTRAITANT"), "validator_siret", "siret_missing",
               party="validator")
    only_issue(build_invoice(invoice_type="AVOIR", payment_mode=""), "original_invoice_number",
               "original_invoice_missing")


def test_unknown_codes_are_reported_by_field():
    invoice = build_invoice(cadre="A99", payment_mode="CARTE")
    issues = issues_of(invoice)
    assert [i.field for i in issues] == ["cadre", "payment_mode"]
    assert [(i.code, i.params) for i in issues] == [("unknown_value", {"setting": "cadre", "value": "A99"}),
                                                     ("unknown_value", {"setting": "payment_mode", "value": "CARTE"})]
    assert issues[0].message_en == "Unknown cadre de facturation 'A99': choose a value of the list."


# -- references the buyer requires ---------------------------------------------------------------
def buyer_requiring(requirement, service_code=""):
    return Party(seed.HOPITAL.siret, seed.HOPITAL.name, service_code=service_code, requirement=requirement)


def test_buyer_requiring_a_service_code():
    invoice = build_invoice(buyer=buyer_requiring(ReferenceRequirement.SERVICE))
    only_issue(invoice, "buyer.service_code", "buyer_requires_service", buyer=seed.HOPITAL.name)


def test_buyer_requiring_an_engagement_juridique():
    invoice = build_invoice(buyer=buyer_requiring(ReferenceRequirement.EJ))
    only_issue(invoice, "ej_number", "buyer_requires_ej")
    validate_invoice(build_invoice(buyer=buyer_requiring(ReferenceRequirement.EJ), ej_number="EJ-CH-2026-001"))


def test_buyer_requiring_both():
    issues = issues_of(build_invoice(buyer=buyer_requiring(ReferenceRequirement.SERVICE_AND_EJ)))
    assert [i.field for i in issues] == ["buyer.service_code", "ej_number"]


def test_buyer_requiring_one_or_the_other():
    only_issue(build_invoice(buyer=buyer_requiring(ReferenceRequirement.SERVICE_OR_EJ)), "buyer.service_code",
               "buyer_requires_service_or_ej")
    validate_invoice(build_invoice(buyer=buyer_requiring(ReferenceRequirement.SERVICE_OR_EJ), ej_number="CC-1"))
    validate_invoice(build_invoice(buyer=buyer_requiring(ReferenceRequirement.SERVICE_OR_EJ, "ENV")))


@pytest.mark.parametrize("requirement", [None, ReferenceRequirement.NONE, "none"])
def test_buyer_without_requirement_or_unknown_requirement(requirement):
    validate_invoice(build_invoice(buyer=buyer_requiring(requirement)))


# -- codes -----------------------------------------------------------------------------------------
def test_every_code_has_its_english_text_and_its_enumerated_values():
    """The codes are what a user interface translates: each has an English text whose parameters are named."""
    for code, text in MESSAGES.items():
        assert code == code.lower() and text, code
        for name in params_of(code) & set(PARAM_VALUES):
            assert PARAM_VALUES[name], (code, name)
