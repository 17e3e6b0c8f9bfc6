"""Keeping the index current: the catalogue's domain events, handled after commit.

`govhub.catalog.services.ItemPublished` reindexes the item from its new published
version. A state-change event (`ItemStateChanged`, with `item_id`), when the services
module defines one, reindexes the item too.
"""

from __future__ import annotations

from typing import Any

from govhub.catalog.search.indexer import index_item
from govhub.core import events


def on_item_changed(event: Any) -> None:
    index_item(int(event.item_id))


def connect() -> None:
    """Subscribe the index to the catalogue's events (called from CatalogConfig.ready)."""
    from govhub.catalog import services

    for name in ("ItemPublished", "ItemStateChanged"):
        event_type = getattr(services, name, None)
        if isinstance(event_type, type) and issubclass(event_type, events.DomainEvent):
            events.subscribe(event_type, on_item_changed)
