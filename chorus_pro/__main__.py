"""``python3 -m chorus_pro``: the same as the ``chorus-pro`` command."""

import sys

from .cli import main

sys.exit(main())
