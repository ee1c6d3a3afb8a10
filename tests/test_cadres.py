"""The cadres and the cadre rule, written once in chorus_pro.cadres, and read by everything else."""

import pytest

from chorus_pro import cadres
from chorus_pro.cadres import (
    CADRE_TABLE,
    MONTHLY_CADRES,
    PLATFORM_CADRE_CODES,
    SUBMIT_CADRES,
    VALIDATOR_CADRES,
    WORKS_CADRES,
    WORKS_TYPE_OF_CADRE,
    Cadre,
    allowed_cadres,
    derive_cadre,
)
from chorus_pro.simulator import lifecycle, schemas


def test_the_table_describes_every_cadre_once():
    assert list(CADRE_TABLE) == list(Cadre)
    assert all(row.cadre is cadre for cadre, row in CADRE_TABLE.items())
    assert {c.value for c in Cadre} <= set(PLATFORM_CADRE_CODES)
    assert len(PLATFORM_CADRE_CODES) == 25


def test_classes_of_cadres_follow_the_table():
    assert SUBMIT_CADRES == {Cadre.A1, Cadre.A2, Cadre.A9, Cadre.A12}
    assert WORKS_CADRES == {Cadre.A4, Cadre.A7, Cadre.A8, Cadre.A10, Cadre.A11, Cadre.A13, Cadre.A14}
    assert SUBMIT_CADRES.isdisjoint(WORKS_CADRES) and SUBMIT_CADRES | WORKS_CADRES == set(Cadre)
    assert VALIDATOR_CADRES == {Cadre.A9, Cadre.A12}
    assert MONTHLY_CADRES == {Cadre.A4, Cadre.A10, Cadre.A13}
    assert set(WORKS_TYPE_OF_CADRE) == WORKS_CADRES
    assert {c for c in Cadre if c.is_works} == WORKS_CADRES
    assert Cadre.A8.label.startswith("A8 - ") and Cadre.A8.info.label_en.startswith("A8 - ")


@pytest.mark.parametrize(("kind", "role", "document", "expected"), [
    ("services", "titulaire", None, Cadre.A1),
    ("services", "cotraitant", None, Cadre.A12),
    ("services", "soustraitant", None, Cadre.A9),
    ("services", "titulaire", "final", Cadre.A1),  # a services market has no works document type
    ("works", "titulaire", "monthly", Cadre.A4),
    ("works", "titulaire", "final", Cadre.A7),
    ("works", "titulaire", "dgd", Cadre.A8),
    ("works", "cotraitant", "monthly", Cadre.A13),
    ("works", "cotraitant", "final", Cadre.A14),
    ("works", "cotraitant", "dgd", Cadre.A8),
    ("works", "soustraitant", "monthly", Cadre.A10),
    ("works", "soustraitant", "final", Cadre.A11),
    ("works", "soustraitant", "dgd", Cadre.A8),
    ("works", "soustraitant", None, Cadre.A10),  # a works document is monthly unless said otherwise
    (None, None, None, Cadre.A1),  # no market: a supplier's invoice
])
def test_cadre_rule(kind, role, document, expected):
    assert derive_cadre(kind, role, document) is expected


def test_the_derived_cadre_is_always_allowed_and_comes_first():
    for kind in cadres.MARKET_KINDS:
        for role in cadres.ROLES:
            allowed = allowed_cadres(kind, role)
            assert allowed[0] is derive_cadre(kind, role)
            documents = cadres.WORKS_DOCUMENT_TYPES if kind == cadres.WORKS else (None,)
            assert all(derive_cadre(kind, role, document) in allowed for document in documents)
    assert allowed_cadres(None, None) == cadres.NO_MARKET_CADRES == (Cadre.A1, Cadre.A2)


def test_the_simulator_reads_the_table():
    assert set(schemas.SUBMIT_CADRE_CODES.values) == {c.value for c in SUBMIT_CADRES}
    assert set(schemas.WORKS_CADRE_CODES.values) == {c.value for c in WORKS_CADRES}
    assert schemas.ALL_CADRES.values == PLATFORM_CADRE_CODES
    assert lifecycle.VALIDATOR_CADRE_CODES == {c.value for c in VALIDATOR_CADRES}
