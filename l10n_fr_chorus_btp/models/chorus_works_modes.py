"""The three deposit modes of a works document, written once: their labels and which ones are experimental.

- ``portal``: the assisted portal deposit (default): the user deposits the plain PDF on the Chorus Pro portal
  with the steps of :func:`chorus_pro.works_portal.portal_steps`; the sender then finds it by its number;
- ``api``: the API deposit of :mod:`chorus_pro.works` (unverified path and body);
- ``flux``: a structured CII flow of :mod:`chorus_pro.works_flow` through ``deposer/flux`` (unverified syntax).

The company chooses; a market may choose otherwise (empty: the company's).  The two experimental modes are used
only once a person with the right "Invoice transfer" has confirmed what is unverified, once per company.
"""

PORTAL, API, FLUX = "portal", "api", "flux"
WORKS_DEPOSIT_MODES = [
    (PORTAL, "Assisted portal deposit"),
    (API, "API deposit (experimental)"),
    (FLUX, "Flux deposit (experimental)"),
]
EXPERIMENTAL_MODES = (API, FLUX)
WORKS_DEPOSIT_MODE_HELP = (
    "How works documents (projets de décompte, DGD) reach Chorus Pro. Assisted portal deposit: you deposit the "
    "PDF on the Chorus Pro portal following the steps shown, then Odoo finds it by its number and follows it. "
    "API deposit (experimental): Odoo deposits it through an API route that is not published, inferred from the "
    "invoice deposit. Flux deposit (experimental): Odoo sends a structured CII flow carrying the cadre; the flow "
    "syntax for works documents is not published either.")


def works_deposit_mode(market, company):
    """The mode of a works document of ``market`` (empty market: the company's)."""
    return market.works_deposit_mode or company.chorus_works_deposit_mode or PORTAL
