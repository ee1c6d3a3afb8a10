import { registry } from "@web/core/registry";

// From the Accounting dashboard counter to a rejected invoice, then « Acknowledge the rejection ».
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_followup", {
    url: "/odoo/accounting",
    steps: () => [
        {
            content: "The sales journal counts the invoice to handle on Chorus Pro",
            trigger: ".o_kanban_record a:has(span[name=chorus_action_needed]):contains(1)",
            run: "click",
        },
        {
            content: "The filter lists the rejected invoice (and only it)",
            trigger: ".o_list_view .o_data_row:only-child td[name=name]",
            run: "click",
        },
        {
            content: "A red banner says it was rejected, with the buyer's reason",
            trigger: "div[name=chorus_rejected_banner]:contains(Montant du lot 2 erroné)",
        },
        {
            content: "Acknowledge the rejection on Chorus Pro",
            trigger: "div[name=chorus_rejected_banner] button[name=action_chorus_acknowledge_rejection]",
            run: "click",
        },
        {
            content: "Confirm in the wizard",
            trigger: ".modal button[name=action_acknowledge]",
            run: "click",
        },
        {
            content: "Acknowledged: only the credit note remains to do",
            trigger: "div[name=chorus_rejected_banner]:not(:has(button[name=action_chorus_acknowledge_rejection])) button[name=action_chorus_credit_note]",
        },
    ],
});
