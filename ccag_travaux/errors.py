"""The one error of the package: an input that cannot be computed, with the field that is wrong."""

from __future__ import annotations


class InputError(ValueError):
    """Bad terms, measures or previous figures.

    ``field`` is the path of the wrong value as it appears in the JSON input
    (``measures.progress[3].percent``); ``message`` says what is wrong and how to fix it, in English.
    The errors a user interface can provoke also carry a stable ``code`` and its ``params`` (plain
    strings), so that it can say the same in the user's language.
    """

    def __init__(self, field: str, message: str, code: str = "", params: dict[str, str] | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code
        self.params = dict(params or {})
