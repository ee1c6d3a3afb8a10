{
    "name": "France - Chorus Pro pour le BTP",
    "summary": "Send invoices and monthly works statements (situations de travaux) to Chorus Pro "
               "through its API, then follow them to payment.",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "countries": ["fr"],
    "license": "LGPL-3",
    "author": "l10n_fr_chorus_btp contributors",
    "depends": [
        "account",
        "l10n_fr_account",
        "account_edi_ubl_cii",
        "l10n_fr_facturx_chorus_pro",
        "mail",
    ],
    # OCA's Chorus Pro modules define the same fields with other types (chorus_identifier is an Integer there):
    # both in one database break it, so Odoo refuses to install them together
    "excludes": [
        "l10n_fr_chorus_account",
        "l10n_fr_chorus_facturx",
        "l10n_fr_chorus_sale",
    ],
    # werkzeug: the simulated Chorus Pro of the Simulation environment (the "simulator" extra of setup.py)
    "external_dependencies": {"python": ["requests", "python-stdnum", "werkzeug"]},
    "data": [
        "security/chorus_security.xml",
        "security/ir.model.access.csv",
        "data/cron.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/chorus_service_views.xml",
        "views/chorus_market_views.xml",
        "views/account_move_views.xml",
        "views/chorus_transmission_views.xml",
        "views/chorus_price_index_views.xml",
        "views/chorus_situation_views.xml",
        "views/chorus_works_document_views.xml",
        "report/chorus_situation_report.xml",
        "data/price_indices.xml",
        "views/menus.xml",
        "views/chorus_validation_views.xml",
        "data/ecb_rates.xml",
        "views/chorus_late_payment_views.xml",
        "data/cron_followup.xml",
        "wizard/chorus_followup_wizards_views.xml",
        "wizard/chorus_works_deposit_wizards_views.xml",
        "views/account_move_followup_views.xml",
    ],
    "demo": [
        "demo/demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "l10n_fr_chorus_btp/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
