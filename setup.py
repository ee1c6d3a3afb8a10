"""Packaging of the Chorus Pro client (``chorus_pro``), the works maths (``ccag_travaux``) and the Odoo 19
add-on ``l10n_fr_chorus_btp`` with its sale bridge ``l10n_fr_chorus_btp_sale``.

``pip install .`` installs the packages and the ``chorus-pro`` and ``ccag-travaux`` commands.  The
add-on can also be used straight from a checkout with ``--addons-path`` pointing
at the repository root.
"""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as handle:
        return handle.read()


def version():
    match = re.search(r'^__version__ = "([^"]+)"', read("chorus_pro/__init__.py"), re.M)
    return match.group(1)


#: Every package the two test suites need beyond the runtime requirements, in this one place:
#: ``pip install -e .[test]`` (README), ``.ci/run`` and the docker image install exactly this.
#: websocket-client lets Odoo drive a browser for its tours when one is installed; phonenumbers lets the
#: Odoo suite install Odoo's Peppol (account_peppol) to test that an invoice takes one route only.
TEST_REQUIREMENTS = ["pytest>=7", "jsonschema>=4", "responses>=0.20", "websocket-client>=1", "hypothesis>=6",
                     "phonenumbers>=8"]


#: The simulated Chorus Pro (the "Simulation" environment, ``chorus-pro simulator``) serves its WSGI application
#: with werkzeug: ``pip install .[simulator]``.  The client alone (Qualification, Production) does not need it;
#: the Odoo add-on does (its Simulation environment), and Odoo already ships werkzeug.
SIMULATOR_REQUIREMENTS = ["werkzeug>=2.0,<4"]


def requirements():
    lines = (line.split("#", 1)[0].strip() for line in read("requirements.txt").splitlines())
    return [line for line in lines if line]


setup(
    name="l10n-fr-chorus-btp",
    version=version(),
    description="Send French public-sector invoices and works statements (BTP) to Chorus Pro from Odoo 19",
    long_description=read("README.rst"),
    long_description_content_type="text/x-rst",
    license="LGPL-3.0-or-later",
    python_requires=">=3.10",
    # tests/ holds the pure-Python suite; the add-on keeps its own tests, which Odoo runs
    packages=find_packages(include=["chorus_pro", "chorus_pro.*", "ccag_travaux", "ccag_travaux.*",
                                    "l10n_fr_chorus_btp", "l10n_fr_chorus_btp.*",
                                    "l10n_fr_chorus_btp_sale", "l10n_fr_chorus_btp_sale.*"]),
    include_package_data=True,
    zip_safe=False,
    install_requires=requirements(),
    extras_require={"simulator": SIMULATOR_REQUIREMENTS, "test": TEST_REQUIREMENTS + SIMULATOR_REQUIREMENTS},
    entry_points={"console_scripts": ["chorus-pro = chorus_pro.cli:main", "ccag-travaux = ccag_travaux.cli:main"]},
    classifiers=[
        "Framework :: Odoo",
        "Framework :: Odoo :: 19.0",
        "Intended Audience :: Developers",
        "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
        "Natural Language :: French",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Topic :: Office/Business :: Financial :: Accounting",
    ],
)
