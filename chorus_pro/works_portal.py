"""The assisted portal deposit of a works document: what the user chooses and types on the Chorus Pro portal.

Until the API route of works documents is proven (see :mod:`chorus_pro.works`), a person deposits the document
on the portal, in the space "Factures de travaux", as a plain PDF (a Factur-X PDF/A-3 would be read there as a
flow).  :func:`portal_steps` lists, in order, each thing to choose or type, with the portal's own words and the
value to give; the add-on shows them and finds the document afterwards by its number with the verified works
search (``facturesTravaux/v1/rechercher``).  The portal URLs of each environment are written here, once.

The steps carry a ``code`` (what to do) and data; the sentences are the add-on's, translated there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .cadres import MONTHLY_CADRES, Cadre
from .config import Environment
from .documents import Invoice
from .siret import compact_siret
from .works import works_summary

#: the Chorus Pro portal of each real environment (reference chorus-pro-api §1)
PORTAL_URLS = {
    Environment.QUALIFICATION: "https://chorus-pro.gouv.fr/qualif",
    Environment.PRODUCTION: "https://chorus-pro.gouv.fr",
}
#: the portal's words for the works space
WORKS_SPACE = "Factures de travaux"

#: step codes, in the order they are shown
OPEN_PORTAL = "open_portal"
WORKS_SPACE_STEP = "works_space"
CADRE = "cadre"
SUPPLIER = "supplier"
MOA = "moa"
MOE = "moe"
BUYER_SERVICE = "buyer_service"
MARKET = "market"
ENGAGEMENT = "engagement"
NUMBER = "number"
DATE = "date"
SITUATION = "situation"
AMOUNTS = "amounts"
PDF = "pdf"
SUBMIT = "submit"


@dataclass(frozen=True)
class PortalStep:
    """One thing to do on the portal: ``code`` says what, ``portal_label`` names the field or menu as the
    portal does, ``value`` is what to choose or type there (empty when there is nothing to type)."""

    number: int
    code: str
    portal_label: str
    value: str = ""


def portal_url(environment, simulator_url: str = "") -> str | None:
    """The portal to open: qualification or production; in simulation the simulator's own page when it is
    served over HTTP, else None (an in-process simulator has no page)."""
    environment = Environment(environment)
    if environment is Environment.SIMULATION:
        return simulator_url.rstrip("/") + "/" if simulator_url else None
    return PORTAL_URLS[environment]


def french_amount(value) -> str:
    """``12 345,67``: an amount as the portal's French fields take it."""
    amount = Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{' '.join(groups)},{cents}"


def _party_value(party) -> str:
    if party is None:
        return ""
    value = compact_siret(party.siret)
    if party.name:
        value = f"{value} ({party.name})"
    return value


def portal_steps(invoice: Invoice, *, pdf_name: str, url: str | None) -> list[PortalStep]:
    """Every step of the portal deposit of ``invoice`` (a works cadre), in order.

    ``pdf_name`` is the plain PDF the user attaches; ``url`` the portal (see :func:`portal_url`).
    """
    cadre = invoice.cadre
    if not isinstance(cadre, Cadre) or not cadre.is_works:
        raise ValueError(f"the assisted portal deposit is for works cadres, not {cadre!r}")
    rows = [
        (OPEN_PORTAL, "Connexion", url or ""),
        (WORKS_SPACE_STEP, WORKS_SPACE, "Déposer une facture de travaux"),
        (CADRE, "Cadre de facturation", f"{cadre.value} — {cadre.label}"),
        (SUPPLIER, "Fournisseur (SIRET)", _party_value(invoice.supplier)),
        (MOA, "Maître d'ouvrage (SIRET)", _party_value(invoice.moa)),
    ]
    if invoice.moa is not None and invoice.moa.service_code:
        rows.append((MOA, "Service du maître d'ouvrage", invoice.moa.service_code))
    rows.append((MOE, "Maître d'œuvre (SIRET)", _party_value(invoice.moe)))
    if invoice.moe is not None and invoice.moe.service_code:
        rows.append((MOE, "Service du maître d'œuvre", invoice.moe.service_code))
    if invoice.buyer is not None and invoice.buyer.service_code:
        rows.append((BUYER_SERVICE, "Code service exécutant", invoice.buyer.service_code))
    rows.append((MARKET, "Numéro de marché", invoice.market_number))
    if invoice.ej_number:
        rows.append((ENGAGEMENT, "Numéro d'engagement", invoice.ej_number))
    rows.append((NUMBER, "Numéro de la facture", invoice.number))
    rows.append((DATE, "Date de la facture", f"{invoice.invoice_date:%d/%m/%Y}"))
    if cadre in MONTHLY_CADRES or invoice.period_start or invoice.period_end:
        # the same words as the API deposit's comment
        rows.append((SITUATION, "Commentaire", works_summary(invoice)))
    totals = invoice.totals
    rows.append((AMOUNTS, "Montant HT / Montant TVA / Montant TTC",
                 f"{french_amount(totals.untaxed)} / {french_amount(totals.vat)} / {french_amount(totals.total)}"))
    rows.append((PDF, "Pièce jointe principale (PDF)", pdf_name))
    rows.append((SUBMIT, "Valider et envoyer", ""))
    return [PortalStep(number, code, label, value) for number, (code, label, value) in enumerate(rows, start=1)]
