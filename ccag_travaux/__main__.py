"""``python3 -m ccag_travaux``: the same as the ``ccag-travaux`` command."""

import sys

from .cli import main

sys.exit(main())
