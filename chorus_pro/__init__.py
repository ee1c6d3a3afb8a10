"""Pure-Python client of the Chorus Pro API (PISTE), with a local simulator.

This package never imports Odoo: the Odoo add-on ``l10n_fr_chorus_btp`` maps its
records to the objects defined here.
"""

from .config import ChorusConfig, Environment
from .errors import (
    ApiNotSubscribedError,
    AuthenticationError,
    BusinessError,
    ChorusProError,
    ConfigurationError,
    DocumentValidationError,
    DuplicateInvoiceError,
    OutcomeUnknownError,
    PisteCredentialsError,
    ProtocolError,
    TechnicalAccountError,
    TransientError,
)

#: the version of the Python package (distribution ``l10n-fr-chorus-btp``), read by setup.py: its own
#: numbering, not the Odoo series of the add-on's manifest (19.0.x.y.z)
__version__ = "1.1.0.dev0"

__all__ = [
    "ApiNotSubscribedError", "AuthenticationError", "BusinessError", "ChorusConfig", "ChorusProError",
    "ConfigurationError", "DocumentValidationError", "DuplicateInvoiceError", "Environment", "OutcomeUnknownError",
    "PisteCredentialsError", "ProtocolError", "TechnicalAccountError", "TransientError", "__version__",
]
