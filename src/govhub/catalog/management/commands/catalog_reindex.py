"""`manage.py catalog_reindex [--item CODE]`: rebuild the catalogue search index (every
published implementation item, in bulk), or reindex one item by its implementation code."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from govhub.catalog.models import ImplementationItem
from govhub.catalog.search import index_item, reindex_all


class Command(BaseCommand):
    help = "Rebuild the catalogue search index (事项搜索索引)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--item", metavar="CODE", help="only this implementation code")

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        if options.get("item"):
            item = ImplementationItem.objects.filter(implementation_code=options["item"]).first()
            if item is None:
                raise CommandError(
                    _("找不到实施编码为 %(code)s 的事项。") % {"code": options["item"]}
                )
            document = index_item(item)
            if document is None:
                self.stdout.write(_("该事项没有已发布的版本，已从搜索索引中移除。"))
            else:
                self.stdout.write(_("已重建该事项的搜索索引。"))
            return
        count = reindex_all()
        self.stdout.write(
            _("已重建搜索索引：%(count)s 个事项，用时 %(seconds).1f 秒。")
            % {"count": count, "seconds": time.perf_counter() - start}
        )
