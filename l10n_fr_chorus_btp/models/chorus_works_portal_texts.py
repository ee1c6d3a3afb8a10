"""What the user does at each step of the assisted portal deposit (codes of chorus_pro.works_portal), in English
source translated with the add-on: the portal's own French words travel in the steps themselves."""

from odoo.tools.translate import LazyTranslate

from chorus_pro import works_portal as wp

_lt = LazyTranslate(__name__)

STEP_INSTRUCTIONS = {
    wp.OPEN_PORTAL: _lt("Open the Chorus Pro portal and log in with your own portal account."),
    wp.WORKS_SPACE_STEP: _lt("Open the works space and choose to deposit a works document."),
    wp.CADRE: _lt("Choose the invoicing frame (cadre)."),
    wp.SUPPLIER: _lt("Check the supplier structure (your SIRET)."),
    wp.MOA: _lt("Enter the project owner (MOA)."),
    wp.MOE: _lt("Enter the project manager (MOE)."),
    wp.BUYER_SERVICE: _lt("Enter the buyer's service code."),
    wp.MARKET: _lt("Enter the market number."),
    wp.ENGAGEMENT: _lt("Enter the legal commitment (EJ)."),
    wp.NUMBER: _lt("Enter the document number exactly: Odoo finds the document by it."),
    wp.DATE: _lt("Enter the document date."),
    wp.SITUATION: _lt("Write the situation and its period in the comment."),
    wp.AMOUNTS: _lt("Enter the amounts excl. VAT, VAT and incl. VAT."),
    wp.PDF: _lt("Attach the PDF downloaded here as the main document (a plain PDF)."),
    wp.SUBMIT: _lt("Submit the deposit, then come back and click \"Done, deposited\"."),
}


def step_instruction(env, code):
    """The sentence of one step, in the user's language."""
    text = STEP_INSTRUCTIONS.get(code)
    return env._(text) if text is not None else code
