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

__version__ = "19.0.1.0.0"

__all__ = [
    "ApiNotSubscribedError", "AuthenticationError", "BusinessError", "ChorusConfig", "ChorusProError",
    "ConfigurationError", "DocumentValidationError", "DuplicateInvoiceError", "Environment", "OutcomeUnknownError",
    "PisteCredentialsError", "ProtocolError", "TechnicalAccountError", "TransientError", "__version__",
]
