from . import (
    chorus_market,  # noqa: F401
    sale_order,  # noqa: F401
    sale_order_line,  # noqa: F401
)
