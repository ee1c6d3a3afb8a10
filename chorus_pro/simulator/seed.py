"""Seed data of the simulator: a BTP supplier and the public buyers it works for.

Every SIRET here is fictitious but passes the SIRET checksum.  The Odoo demo
data and the tests of both suites refer to these constants, so change them
here only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chorus_pro.config import SIMULATION_DEFAULTS
from chorus_pro.results import PUBLIC_INVOICES_SERVICE

PISTE_CLIENT_ID = SIMULATION_DEFAULTS["piste_client_id"]
PISTE_CLIENT_SECRET = SIMULATION_DEFAULTS["piste_client_secret"]
TECH_LOGIN = SIMULATION_DEFAULTS["tech_login"]
TECH_PASSWORD = SIMULATION_DEFAULTS["tech_password"]
#: days between "now" (simulated) and the technical password's expiry
TECH_PASSWORD_VALID_DAYS = 200


@dataclass
class Service:
    """A service of a structure (the simulator's directory and its seed)."""

    id: int
    code: str
    name: str
    active: bool = True
    ej_required: bool = False


@dataclass
class Structure:
    """A structure of the directory: its identity and the references it requires."""

    id: int
    siret: str
    name: str
    public: bool = True
    active: bool = True
    service_required: bool = False
    ej_required: bool = False
    service_or_ej: bool = False
    moa: bool = False
    services: list[Service] = field(default_factory=list)
    #: engagements juridiques issued to the supplier, by number: state
    engagements: dict[str, str] = field(default_factory=dict)

    def service_by_code(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def service_by_id(self, service_id: int) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)


# names used by the seed below and by callers that build their own directory entries
SeedService = Service
SeedStructure = Structure


SUPPLIER = SeedStructure(
    id=26300001, siret="81234567600017", name="BATI OUEST CONSTRUCTION", public=False,
    services=[SeedService(26300101, "COMPTA", "Service comptabilité")],
)
SUPPLIER_BANK_ACCOUNTS = [(5151, "Compte principal - FR76 1027 8360 1000 0204 1930 114")]

COMMUNE = SeedStructure(  # requires a service code
    id=27100001, siret="21720001300019", name="COMMUNE DE SAINT-AUBIN-SUR-LOIRE", service_required=True, moa=True,
    services=[
        SeedService(27100101, "SERV-TECH", "Services techniques"),
        SeedService(27100102, "DST-VOIRIE", "Direction voirie et réseaux", ej_required=True),
        SeedService(27100103, "ANCIEN-SERV", "Ancien service urbanisme", active=False),
        SeedService(27100104, PUBLIC_INVOICES_SERVICE, "Factures entre entités publiques"),
    ],
)
DEPARTEMENT = SeedStructure(  # requires an engagement juridique
    id=27200001, siret="22720001100012", name="DEPARTEMENT DE LA SARTHE-OUEST", ej_required=True, moa=True,
    services=[SeedService(27200101, "DIR-ROUTES", "Direction des routes"),
              SeedService(27200102, PUBLIC_INVOICES_SERVICE, "Factures entre entités publiques")],
    engagements={"1300012345": "COMMANDE", "1300099999": "CLOTURE"},
)
HOPITAL = SeedStructure(  # requires both
    id=27300001, siret="26720001200016", name="CENTRE HOSPITALIER DU VAL DE LOIRE", service_required=True,
    ej_required=True,
    services=[SeedService(27300101, "SERV-ECO", "Services économiques"),
              SeedService(27300102, "TRAVAUX-CH", "Direction des travaux")],
    engagements={"EJ-CH-2026-001": "COMMANDE"},
)
COMMUNAUTE = SeedStructure(  # either a service code or an EJ
    id=27400001, siret="20007001900019", name="COMMUNAUTE DE COMMUNES LOIR ET BOCAGE", service_or_ej=True,
    services=[SeedService(27400101, "ENV", "Service environnement")],
    engagements={"CC-2026-042": "COMMANDE"},
)
SYNDICAT_INACTIF = SeedStructure(
    id=27500001, siret="25720001400013", name="SYNDICAT INTERCOMMUNAL DISSOUS", active=False,
)
OPH = SeedStructure(  # maître d'ouvrage of the works market
    id=27600001, siret="27720001000019", name="OFFICE PUBLIC DE L'HABITAT SARTHE-OUEST", moa=True,
    services=[SeedService(27600101, "MOA-TRAVAUX", "Maîtrise d'ouvrage")],
)
MOE = SeedStructure(  # private architect firm, maître d'œuvre
    id=27700001, siret="44455566800011", name="ATELIER D'ARCHITECTURE LEBRUN", public=False,
)
MANDATAIRE = SeedStructure(  # mandataire of a groupement (valideur of A12 invoices)
    id=27800001, siret="51234567900017", name="GROUPE CONSTRUCTIONS DU MAINE", public=False,
)
TITULAIRE = SeedStructure(  # titulaire validating a sous-traitant's A9 invoices
    id=27900001, siret="52345678800018", name="ENTREPRISE GENERALE ANJOU BTP", public=False,
)

BUYERS = [COMMUNE, DEPARTEMENT, HOPITAL, COMMUNAUTE, SYNDICAT_INACTIF, OPH]
ALL_STRUCTURES = [SUPPLIER, *BUYERS, MOE, MANDATAIRE, TITULAIRE]

# -- added structures (do not change the ones above) ---------------------------------------------
METROPOLE = SeedStructure(  # a large buyer whose services span several pages (default page size 10)
    id=28100001, siret="24720001700017", name="METROPOLE DU VAL DE SARTHE", service_required=True, moa=True,
    services=[SeedService(28100100 + n, f"SERV-{n:02d}", f"Service territorial {n:02d}") for n in range(1, 24)],
)
SOUS_TRAITANT = SeedStructure(  # direct-payment subcontractor of the supplier: deposits A9 / A10 it validates
    id=28200001, siret="53210987000016", name="PLOMBERIE CHAUFFAGE DU PERCHE", public=False,
)
AUTRE_SOUS_TRAITANT = SeedStructure(  # a subcontractor no market of the supplier knows (fault tests)
    id=28300001, siret="54321098000016", name="ELECTRICITE GENERALE DU LOIR", public=False,
)
#: structures of the simulator that are not part of ALL_STRUCTURES (kept unchanged for existing users)
EXTRA_STRUCTURES = [METROPOLE, SOUS_TRAITANT, AUTRE_SOUS_TRAITANT]
#: more engagements juridiques, by structure id: the commune's DST-VOIRIE service requires one
EXTRA_ENGAGEMENTS = {COMMUNE.id: {"2026-VOIRIE-007": "COMMANDE"}}
