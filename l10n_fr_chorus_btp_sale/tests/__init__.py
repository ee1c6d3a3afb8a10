from . import test_market_from_quotation  # noqa: F401
