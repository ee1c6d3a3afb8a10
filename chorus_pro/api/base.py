"""What every API of the client shares: the client whose request loop it uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chorus_pro.client import ChorusProClient


class ChorusApi:
    """The operations of one Chorus Pro API (``/cpro/{name}/v1/…``), sent through ``client.call``."""

    #: the API's name in the path
    name = ""

    def __init__(self, client: ChorusProClient):
        self.client = client

    def call(self, operation: str, body: dict | None = None, **options) -> dict:
        return self.client.call(self.name, operation, body, **options)

    def pages(self, operation: str, make_body, list_key: str):
        """The items of every page of a search (``make_body(page)`` gives each page's body)."""
        return self.client.pages(self.name, operation, make_body, list_key)
