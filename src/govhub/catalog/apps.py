from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "govhub.catalog"
    label = "catalog"
    verbose_name = _("事项目录")

    def ready(self) -> None:
        from govhub.catalog import search_admin  # noqa: F401 - registers the search admin
        from govhub.catalog.search.handlers import connect

        connect()

        from govhub.catalog import selectors
        from govhub.catalog.services import ItemPublished, ItemStateChanged
        from govhub.core import events

        events.subscribe(ItemPublished, selectors.catalog_changed)
        events.subscribe(ItemStateChanged, selectors.catalog_changed)
