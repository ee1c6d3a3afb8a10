"""The one error of the package: an input that cannot be computed, with the field that is wrong."""

from __future__ import annotations


class InputError(ValueError):
    """Bad terms, measures or previous figures.

    ``field`` is the path of the wrong value as it appears in the JSON input
    (``measures.progress[3].percent``); ``message`` says what is wrong and how to fix it.
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
