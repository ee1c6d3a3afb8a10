"""The client's shape: one request loop, the operations of each Chorus Pro API as ``client.<api>``, and an
invoice whose codes are read once, when they are set, not again at each step of a deposit."""

from __future__ import annotations

import pytest
from conftest import build_invoice, build_works_invoice

from chorus_pro import auth, documents
from chorus_pro.cadres import Cadre
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig
from chorus_pro.documents import DepositMode, InvoiceType, PaymentMode, VatRegime
from chorus_pro.errors import DocumentValidationError
from chorus_pro.simulator import seed


@pytest.fixture
def client(sim):
    with ChorusProClient(ChorusConfig(), simulator=sim, token_cache=auth.TokenCache()) as running:
        yield running


def test_each_api_sends_to_its_own_path(client):
    """Every operation of ``client.<api>`` goes through the one request loop, to ``/cpro/<api>/v1/…``."""
    supplier = client.structures.find(seed.SUPPLIER.siret)
    client.structures.get(supplier.id)
    client.transverses.supplier_structures()
    client.transverses.valid_bank_accounts(supplier.id)
    client.utilisateurs.my_attachments()
    client.engagements_juridiques.search(supplier.id, "EJ-0001")
    list(client.factures.iter_supplier_invoices(invoice_number="FA-1"))
    list(client.factures_travaux.iter_invoices(number="SIT-1"))
    apis = {
        "structures": client.structures, "transverses": client.transverses, "utilisateurs": client.utilisateurs,
        "engagementsJuridiques": client.engagements_juridiques, "factures": client.factures,
        "facturesTravaux": client.factures_travaux,
    }
    assert {operation.split("/v1/")[0] for operation in client.stats.by_operation} == set(apis)
    for name, api in apis.items():
        assert api.name == name and api.client is client
    assert client.stats.http_requests == sum(op["http_requests"] for op in client.stats.by_operation.values()) == 8


def test_codes_are_read_when_set():
    invoice = build_invoice(cadre="A9", invoice_type="FACTURE", payment_mode="", vat_regime="TVA_SUR_ENCAISSEMENT")
    assert (invoice.cadre, invoice.invoice_type, invoice.payment_mode, invoice.vat_regime) == (
        Cadre.A9, InvoiceType.INVOICE, None, VatRegime.ON_RECEIPTS)
    invoice.invoice_type, invoice.payment_mode = "AVOIR", "CHEQUE"
    assert (invoice.invoice_type, invoice.payment_mode) == (InvoiceType.CREDIT_NOTE, PaymentMode.CHEQUE)


def test_an_unknown_code_is_kept_reported_and_refused():
    invoice = build_invoice(cadre="A99")
    assert invoice.cadre == "A99"
    with pytest.raises(DocumentValidationError) as raised:
        documents.validate_invoice(invoice)
    assert [issue.field for issue in raised.value.issues] == ["cadre"]
    with pytest.raises(ValueError, match="cadre"):
        documents.build_submit_payload(invoice, mode=DepositMode.DATA, supplier_structure_id=seed.SUPPLIER.id)


@pytest.fixture
def code_reads(monkeypatch):
    """How many times a code of an invoice is read (a reader of ENUM_FIELDS is called)."""
    reads = []
    for name, (kind, read) in list(documents.ENUM_FIELDS.items()):
        def counted(value, _read=read, _name=name):
            reads.append(_name)
            return _read(value)
        monkeypatch.setitem(documents.ENUM_FIELDS, name, (kind, counted))
    return reads


@pytest.mark.parametrize("works", [False, True], ids=["soumettre", "works"])
def test_a_deposit_reads_the_invoice_codes_once(client, code_reads, works):
    """The codes given as text are read when the invoice is made, never again by validation, the payload
    builders or the works summary (they were read four times per deposit before)."""
    make = build_works_invoice if works else build_invoice
    invoice = make(cadre="A4" if works else "A1", invoice_type="FACTURE", payment_mode="VIREMENT",
                   vat_regime="TVA_SUR_DEBIT")
    assert sorted(code_reads) == ["cadre", "invoice_type", "payment_mode", "vat_regime"]
    result = client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id)
    assert result.invoice_id
    assert len(code_reads) == 4, code_reads
