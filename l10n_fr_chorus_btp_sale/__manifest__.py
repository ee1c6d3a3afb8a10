{
    "name": "France - Chorus Pro pour le BTP - Ventes",
    "summary": "Create the bill of quantities of a public works market from a confirmed sale quotation "
               "(DPGF or DQE priced in Sales).",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "countries": ["fr"],
    "license": "LGPL-3",
    "author": "l10n_fr_chorus_btp contributors",
    "depends": [
        "sale",
        "l10n_fr_chorus_btp",
    ],
    "data": [
        "security/ir.model.access.csv",
        "wizard/chorus_market_sale_import_views.xml",
        "views/chorus_market_views.xml",
        "views/sale_order_views.xml",
    ],
    "installable": True,
    "auto_install": True,
    "application": False,
}
