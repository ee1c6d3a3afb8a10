"""A status read is applied only to the document it is about: number and supplier compared (chorus_pro.identity),
and the client reads both from every answer that carries them."""

from __future__ import annotations

import pytest
from test_simulator_support import Api, works_body

from chorus_pro import ChorusConfig
from chorus_pro.client import ChorusProClient
from chorus_pro.identity import DocumentIdentity, Mismatch, identity_mismatch
from chorus_pro.simulator import seed

OURS = DocumentIdentity("FA-2026-001", seed.SUPPLIER.siret, seed.SUPPLIER.id)


@pytest.mark.parametrize(("found", "expected"), [
    (DocumentIdentity("FA-2026-001", seed.SUPPLIER.siret, seed.SUPPLIER.id), None),
    (DocumentIdentity(" FA-2026-001 ", " ".join(seed.SUPPLIER.siret[i:i + 3] for i in range(0, 14, 3))), None),
    (DocumentIdentity("FA-2026-001"), None),  # an answer without a supplier field: the number decides
    (DocumentIdentity("FA-2026-002", seed.SUPPLIER.siret, seed.SUPPLIER.id), Mismatch.NUMBER),
    (DocumentIdentity("", seed.SUPPLIER.siret), Mismatch.NUMBER),  # a number must be there
    (DocumentIdentity("FA-2026-001", seed.MOE.siret), Mismatch.SUPPLIER),
    (DocumentIdentity("FA-2026-001", "", seed.SUPPLIER.id + 1), Mismatch.SUPPLIER),
])
def test_identity_mismatch(found, expected):
    assert identity_mismatch(OURS, found) == expected


def test_a_company_without_a_known_structure_id_is_compared_on_its_siret():
    company = DocumentIdentity("FA-2026-001", seed.SUPPLIER.siret)
    assert identity_mismatch(company, DocumentIdentity("FA-2026-001", seed.SUPPLIER.siret, 42)) is None
    assert identity_mismatch(company, DocumentIdentity("FA-2026-001", seed.MOE.siret, 42)) is Mismatch.SUPPLIER


def test_every_status_answer_carries_the_number_and_the_supplier_it_has(sim):
    caller = Api(sim)
    invoice_id = caller.submit(numeroFactureSaisi="FA-2026-001")["identifiantFactureCPP"]
    works_id = caller.ok("facturesTravaux/v1/soumettre", works_body())["idFactureTravaux"]
    with ChorusProClient(ChorusConfig(), simulator=sim) as client:
        summary = next(s for s in client.factures.iter_supplier_invoices() if s.invoice_id == invoice_id)
        details = client.factures.get_supplier_invoice(invoice_id)
        history = client.factures.get_history(invoice_id)
        works = next(w for w in client.factures_travaux.iter_invoices() if w.works_invoice_id == works_id)
    assert (summary.invoice_number, summary.supplier_identifier) == ("FA-2026-001", seed.SUPPLIER.siret)
    assert (details.invoice_number, details.supplier_identifier, details.supplier_structure_id) == (
        "FA-2026-001", seed.SUPPLIER.siret, seed.SUPPLIER.id)
    assert history.invoice_number == "FA-2026-001"
    assert (works.number, works.supplier_identifier, works.supplier_structure_id) == (
        "SIT-2026-03", seed.SUPPLIER.siret, seed.SUPPLIER.id)
