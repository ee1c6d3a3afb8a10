from . import test_followup_common  # noqa: F401
from . import test_sync  # noqa: F401
from . import test_transfer  # noqa: F401
