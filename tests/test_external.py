"""Tests against the real Chorus Pro QUALIFICATION platform (PISTE sandbox), marked ``external``.

They run only when ``CHORUS_PRO_ENV=qualification`` and the four credentials are set
(``CHORUS_PRO_CLIENT_ID``, ``CHORUS_PRO_CLIENT_SECRET``, ``CHORUS_PRO_LOGIN``,
``CHORUS_PRO_PASSWORD``); otherwise they are skipped with the reason.  Run them alone with::

    CHORUS_PRO_ENV=qualification CHORUS_PRO_CLIENT_ID=… CHORUS_PRO_CLIENT_SECRET=… \\
    CHORUS_PRO_LOGIN=… CHORUS_PRO_PASSWORD=… python3 -m pytest -m external tests

Optional: ``CHORUS_PRO_SUPPLIER_SIRET`` (the structure of the technical account, checked by the
doctor); for the works deposit, ``CHORUS_PRO_BUYER_SIRET`` (maître d'ouvrage, public),
``CHORUS_PRO_BUYER_SERVICE``, ``CHORUS_PRO_MOE_SIRET`` and ``CHORUS_PRO_MARKET_NUMBER`` from
the qualification data set ("matelas de données").  The works deposit path is not verified
(chorus_pro/works.py): this test is how to confirm it.
"""

from __future__ import annotations

import os
import time
from datetime import date
from decimal import Decimal

import pytest

from chorus_pro.cadres import Cadre
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ENV_VARS, ChorusConfig, Environment
from chorus_pro.doctor import doctor_ok, format_report, run_doctor, supplier_structure_id
from chorus_pro.documents import Attachment, DepositMode, Invoice, Line, Party, Totals, VatLine

CREDENTIALS = ("piste_client_id", "piste_client_secret", "tech_login", "tech_password")


def _skip_reason() -> str | None:
    if os.environ.get("CHORUS_PRO_ENV", "").strip().lower() != "qualification":
        return "external: set CHORUS_PRO_ENV=qualification (and the credentials) to run against Chorus Pro"
    missing = [ENV_VARS[name] for name in CREDENTIALS if not os.environ.get(ENV_VARS[name])]
    if missing:
        return "external: qualification credentials missing: " + ", ".join(missing)
    return None


pytestmark = [pytest.mark.external, pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "qualification credentials set")]


@pytest.fixture(scope="module")
def config():
    config = ChorusConfig.from_env()
    assert config.environment is Environment.QUALIFICATION
    return config


def test_doctor_against_qualification(config):
    results = run_doctor(config, supplier_siret=os.environ.get("CHORUS_PRO_SUPPLIER_SIRET") or None)
    assert doctor_ok(results), format_report(results)


def test_works_deposit_against_qualification(config):
    needed = ("CHORUS_PRO_BUYER_SIRET", "CHORUS_PRO_MOE_SIRET", "CHORUS_PRO_MARKET_NUMBER")
    missing = [name for name in needed if not os.environ.get(name)]
    if missing:
        pytest.skip("works deposit needs " + ", ".join(missing) + " from the qualification data set")
    with ChorusProClient(config) as client:
        results = run_doctor(client, supplier_siret=os.environ.get("CHORUS_PRO_SUPPLIER_SIRET") or None)
        assert doctor_ok(results), format_report(results)
        supplier_id = supplier_structure_id(results)
        supplier = next(s for s in client.transverses.supplier_structures() if s.id == supplier_id)
        bank = next(r.value for r in results if r.key == "bank_accounts")[0]
        buyer = Party(os.environ["CHORUS_PRO_BUYER_SIRET"],
                      service_code=os.environ.get("CHORUS_PRO_BUYER_SERVICE", ""))
        untaxed = Decimal("1000.00")
        invoice = Invoice(
            number=f"QUALIF-A4-{int(time.time())}", invoice_date=date.today(),
            supplier=Party(supplier.identifier, supplier.name, structure_id=supplier_id), buyer=buyer,
            lines=[Line(1, "Situation de travaux n°1 - essai de qualification", Decimal("1"), untaxed,
                        Decimal("20"))],
            vat_lines=[VatLine(Decimal("20"), untaxed, Decimal("200.00"))],
            totals=Totals(untaxed, Decimal("200.00"), Decimal("1200.00"), Decimal("1200.00")),
            cadre=Cadre.A4, market_number=os.environ["CHORUS_PRO_MARKET_NUMBER"],
            moe=Party(os.environ["CHORUS_PRO_MOE_SIRET"]), moa=buyer, situation_number=1,
            period_start=date.today().replace(day=1), period_end=date.today(), bank_account_id=bank.id,
            main_pdf=Attachment("situation-qualification.pdf", _pdf()),
        )
        result = client.deposits.send(invoice, supplier_structure_id=supplier_id, mode=DepositMode.PDF)
        assert result.invoice_id > 0
        found = [w for w in client.factures_travaux.iter_invoices(supplier_structure_id=supplier_id, number=invoice.number)]
        assert found, "the works document was accepted but facturesTravaux/v1/rechercher does not find it"


def _pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
