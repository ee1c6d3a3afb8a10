import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const MARKET = "2026-TX-017";
const row = (code) => `div[name=line_ids] .o_data_row:has(td[name=code]:contains(${code}))`;

function enterCell(code, field, value) {
    return [
        {
            content: `Line ${code}: open ${field}`,
            trigger: `${row(code)} td[name=${field}]`,
            run: "click",
        },
        {
            content: `Line ${code}: ${field} = ${value}`,
            trigger: `${row(code)}.o_selected_row [name=${field}] input`,
            run: `edit ${value}`,
        },
    ];
}

// 1. The site manager creates the situation of the month, enters the progress and submits it.
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_situation_site_manager", {
    url: "/odoo/action-l10n_fr_chorus_btp.action_chorus_situations/new",
    steps: () => [
        {
            content: "Choose the works market",
            trigger: ".o_field_widget[name=market_id] input",
            run: `edit ${MARKET}`,
        },
        {
            content: "Select it",
            trigger: `.ui-menu-item a:contains(${MARKET})`,
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "The bill of quantities is listed",
            trigger: `${row("03.1")}`,
        },
        ...enterCell("01.1", "cumulative_percent", "100"),  // a lump sum ("ft") is entered as a percentage
        ...enterCell("01.2", "cumulative_quantity", "200"),
        {
            content: "Line 02.1: open the entry mode",
            trigger: `${row("02.1")} td[name=progress_mode]`,
            run: "click",
        },
        {
            content: "Line 02.1: open the choices",
            trigger: `${row("02.1")}.o_selected_row [name=progress_mode] input`,
            run: "click",
        },
        {
            content: "Line 02.1 is entered as a percentage",
            trigger: ".o_select_menu_item:contains(%)",
            run: "click",
        },
        {
            content: "Line 02.1: 10 %",
            trigger: `${row("02.1")}.o_selected_row [name=cumulative_percent] input:not([readonly])`,
            run: "edit 10",
        },
        ...stepUtils.saveForm(),
        {
            content: "The état d'acompte is computed: 55,000 excl. VAT this month",
            trigger: ".o_field_widget[name=works_period]:contains(55)",
        },
        {
            content: "Submit to the accountant",
            trigger: ".o_form_statusbar button[name=action_submit]",
            run: "click",
        },
        {
            content: "Submitted; the site manager cannot validate",
            trigger: ".o_form_statusbar:not(:has(button[name=action_validate])) .o_arrow_button_current[data-value=submitted]",
        },
    ],
});

// 2. The accountant validates it, creates the invoice and sends it to Chorus Pro.
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_situation_accountant", {
    steps: () => [
        {
            content: "Validate the situation",
            trigger: ".o_form_statusbar button[name=action_validate]",
            run: "click",
        },
        {
            content: "Create the invoice",
            trigger: ".o_form_statusbar button[name=action_create_invoice]",
            run: "click",
        },
        {
            content: "The invoice of the month opens: 66,000.00 incl. VAT",
            trigger: ".o_form_view .o_field_widget[name=tax_totals]:contains(66,000.00)",
        },
        {
            content: "Back to the situation",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Situation 1)",
            run: "click",
        },
        {
            content: "The situation links its invoice",
            trigger: ".o-form-buttonbox button[name=action_view_invoice]",
        },
        {
            content: "Send to Chorus Pro",
            trigger: ".o_form_statusbar button[name=action_send_to_chorus]",
            run: "click",
        },
        {
            content: "Queued: the situation is invoiced and waits for the sender",
            trigger: ".o_form_statusbar .o_arrow_button_current[data-value=invoiced]",
        },
    ],
});
