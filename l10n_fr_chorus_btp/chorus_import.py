"""Make the ``chorus_pro`` package importable.

It is installed by the repository's ``setup.py``; when the add-on is used
straight from a checkout (add-ons path pointing at the repository root), the
package sits next to it, so the repository root is added to ``sys.path``.
"""

import os
import sys

try:
    import chorus_pro  # noqa: F401
except ImportError:
    _root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.isdir(os.path.join(_root, "chorus_pro")) and _root not in sys.path:
        sys.path.append(_root)
    import chorus_pro  # noqa: F401
