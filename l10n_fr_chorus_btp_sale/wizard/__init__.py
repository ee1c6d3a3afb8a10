from . import chorus_market_sale_import  # noqa: F401
