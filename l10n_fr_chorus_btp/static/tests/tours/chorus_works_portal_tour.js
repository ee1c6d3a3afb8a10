import { registry } from "@web/core/registry";

// A works invoice in the assisted portal mode: « Transfer to Chorus Pro », the steps to follow on the portal,
// then « Done, deposited » (the document then waits to be found on Chorus Pro by its number).
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_works_portal", {
    steps: () => [
        {
            content: "Send the works invoice to Chorus Pro",
            trigger: ".o_form_view button[name=action_chorus_transfer]",
            run: "click",
        },
        {
            content: "The steps name the works space of the portal and the cadre",
            trigger: ".modal .o_chorus_portal_steps:contains(Factures de travaux):contains(A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR)",
        },
        {
            content: "The market number and the project manager are in the steps",
            trigger: ".modal .o_chorus_portal_steps:contains(2026-TX-017):contains(Maître d'œuvre)",
        },
        {
            content: "The plain PDF can be downloaded",
            trigger: ".modal div[name=pdf_file]",
        },
        {
            content: "Deposited on the portal: tell Odoo",
            trigger: ".modal button[name=action_done]",
            run: "click",
        },
        {
            content: "The invoice now waits to be found on Chorus Pro",
            trigger: ".o_form_view:not(:has(.modal)) .o_form_statusbar:not(:has(button[name=action_chorus_portal_deposit]))",
        },
    ],
});
