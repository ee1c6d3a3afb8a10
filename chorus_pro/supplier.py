"""Which supplier structure and which bank account a deposit uses: one function, one policy.

- The supplier structure is the one of the company's SIRET among the structures the technical account may
  invoice for (``transverses/v1/recuperer/structures/actives/fournisseur``); absent → the raccordement is not
  finished, and nothing is sent.
- The bank account (``codeCoordonneesBancairesFournisseur``, for payment by transfer) is the one the user chose,
  when there is a choice; otherwise among the valid bank accounts of the structure
  (``transverses/v1/recuperer/coordbanc/valides``): exactly one → it is taken; several → refused until the user
  chooses one (in the add-on's settings, with ``--bank-account`` on the command line); none → refused until one
  is added on Chorus Pro.  A chosen account is used as it is: Chorus Pro refuses the deposit if it is no longer
  valid.

The add-on's deposits, its connection test and the ``chorus-pro submit`` command all follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigurationError
from .results import BankAccount, SupplierStructure
from .siret import compact_siret


@dataclass(frozen=True)
class ResolvedSupplier:
    structure_id: int
    #: the id of the bank account to pay by transfer, or None when the deposit needs none
    bank_account_id: int | None
    #: its name, when it was read from Chorus Pro
    bank_account_name: str = ""


class BankAccountChoiceError(ConfigurationError):
    """No bank account may be taken automatically: several valid ones (``accounts``) or none."""

    def __init__(self, code: str, accounts: list[BankAccount], params: dict | None = None):
        super().__init__(code=code, params=params, field="bank_account_id")
        self.accounts = accounts


def find_supplier_structure(structures: list[SupplierStructure], siret: str) -> SupplierStructure:
    """The structure of ``siret`` among those of the technical account; ConfigurationError when absent."""
    siret = compact_siret(siret)
    for structure in structures:
        if structure.identifier == siret:
            return structure
    seen = ", ".join(s.identifier for s in structures) or "none"
    raise ConfigurationError(code="supplier_not_attached", params={"siret": siret, "seen": seen}, field="supplier")


def choose_bank_account(accounts: list[BankAccount]) -> BankAccount:
    """The policy: the only valid bank account; several or none → :class:`BankAccountChoiceError`."""
    if len(accounts) == 1:
        return accounts[0]
    if accounts:
        listed = ", ".join(f"{a.id} ({a.name})" for a in accounts)
        raise BankAccountChoiceError("bank_account_several", accounts, {"accounts": listed})
    raise BankAccountChoiceError("bank_account_none", accounts)


def resolve_supplier(client, siret: str, bank_account: int | None = None, *, structure_id: int | None = None,
                     needs_bank_account: bool = True) -> ResolvedSupplier:
    """The supplier structure id and bank account id of a deposit (see the module's policy).

    ``structure_id`` is a structure id already known (not looked up again); ``bank_account`` the account the
    user chose; ``needs_bank_account`` False for a deposit not paid by transfer (a credit note…).
    """
    if not structure_id:
        structure_id = find_supplier_structure(client.transverses.supplier_structures(), siret).id
    if not needs_bank_account:
        return ResolvedSupplier(structure_id, None)
    if bank_account:
        return ResolvedSupplier(structure_id, int(bank_account))
    account = choose_bank_account(client.transverses.valid_bank_accounts(structure_id))
    return ResolvedSupplier(structure_id, account.id, account.name)
