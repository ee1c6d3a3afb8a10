import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const CUSTOMER = "OFFICE PUBLIC TOUR CHORUS";

// 1. A public customer: tick "Chorus Pro client", fill its SIRET, check it in the directory.
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_client", {
    url: "/odoo/customers/new",
    steps: () => [
        {
            content: "Name the customer",
            trigger: ".o_form_view .o_field_widget[name=name] :is(input, textarea)",
            run: `edit ${CUSTOMER}`,
        },
        {
            content: "Open the Sales & Purchase tab",
            trigger: "a.nav-link[name=sales_purchases]",
            run: "click",
        },
        {
            content: "Tick Chorus Pro client",
            trigger: ".o_field_widget[name=chorus_client] input",
            run: "click",
        },
        {
            content: "The SIRET is now required",
            trigger: ".o_field_widget[name=company_registry].o_required_modifier input",
            run: "edit 27720001000019",
        },
        ...stepUtils.saveForm(),
        {
            content: "Open the Chorus Pro tab",
            trigger: "a.nav-link[name=chorus_pro]",
            run: "click",
        },
        {
            content: "Check the customer in the Chorus Pro directory",
            trigger: "button[name=action_chorus_check_directory]",
            run: "click",
        },
        {
            content: "The structure id comes from Chorus Pro",
            trigger: ".o_field_widget[name=chorus_structure_identifier]:contains(27600001)",
        },
    ],
});

// 2. An invoice for that customer, posted: it is queued for Chorus Pro (never sent while posting).
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_invoice", {
    url: "/odoo/action-account.action_move_out_invoice_type/new",
    steps: () => [
        {
            content: "Choose the public customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: `edit ${CUSTOMER}`,
        },
        {
            content: "Select it",
            trigger: `.ui-menu-item a:contains(${CUSTOMER})`,
            run: "click",
        },
        {
            content: "Add a line",
            trigger: "div[name=invoice_line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Describe the work",
            trigger: "div[name=invoice_line_ids] .o_selected_row [name=name] textarea",
            run: "edit Situation n°1 - gros œuvre",
        },
        {
            content: "Price",
            trigger: "div[name=invoice_line_ids] .o_selected_row [name=price_unit] input",
            run: "edit 12500",
        },
        ...stepUtils.saveForm(),
        {
            content: "Post the invoice",
            trigger: ".o_form_statusbar button[name=action_post]:not(.d-none)",
            run: "click",
        },
        {
            content: "Posted",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Open the Chorus Pro tab",
            trigger: "a.nav-link[name=chorus_pro]",
            run: "click",
        },
        {
            content: "Queued for Chorus Pro",
            trigger: ".o_field_widget[name=chorus_state]:contains(Queued)",
        },
    ],
});

// 3. After the sender ran: deposited, with its Chorus Pro identifier and status.
registry.category("web_tour.tours").add("l10n_fr_chorus_btp_deposited", {
    steps: () => [
        {
            content: "Open the Chorus Pro tab",
            trigger: "a.nav-link[name=chorus_pro]",
            run: "click",
        },
        {
            content: "Deposited on Chorus Pro",
            trigger: ".o_field_widget[name=chorus_state]:contains(Deposited)",
        },
        {
            content: "With the status of Chorus Pro",
            trigger: ".o_field_widget[name=chorus_status_label]:contains(Déposée)",
        },
        {
            content: "And its identifier",
            trigger: ".o_field_widget[name=chorus_identifier] span:not(:empty)",
        },
    ],
});
