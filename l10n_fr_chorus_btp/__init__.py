from . import (
    chorus_import,  # noqa: F401  (makes ``chorus_pro`` importable first)
    models,  # noqa: F401
    wizard,  # noqa: F401
)
