"""Tables of the catalogue search (事项搜索): the search index, synonyms, the query log.

- `SearchDocument`: one row per published implementation item with what filters and
  sorts (department, region, audience, themes, online depth …), written only by
  `govhub.catalog.search.indexer`.
- `SearchText`: its text, stored pre-segmented (jieba) as space-separated tokens, so the
  database's full-text engine only splits on spaces: SQLite indexes the four token
  columns in the FTS5 table `catalog_search_fts` (external content, kept in step by
  triggers), PostgreSQL in the generated `search_vector` column with a GIN index. Both
  are created by migration 0100_search for their engine only.
- `SearchSynonym`: synonyms an administrator edits (身份证 ↔ 居民身份证), applied at query time.
- `SearchQueryLog`: every query, anonymously (no user, no address), for analytics.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.organizations.models import Department, Region


class SearchDocument(models.Model):
    """The search index row of one published implementation item."""

    item = models.OneToOneField(
        "catalog.ImplementationItem",
        verbose_name=_("实施清单事项"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    version = models.ForeignKey(
        "catalog.ItemVersion",
        verbose_name=_("事项版本"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # For ranking ties, exact-name matches and highlighting.
    name = models.CharField(_("事项名称"), max_length=200)
    name_norm = models.CharField(_("规范化名称"), max_length=200, db_index=True)
    # Filters, copied from the item and its published version.
    department = models.ForeignKey(
        Department, verbose_name=_("实施主体"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("实施区划"), on_delete=models.CASCADE, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    audience = models.CharField(_("服务对象"), max_length=16)
    # Delimited lists ("|birth|housing|", "|1|2|3|") so one LIKE filters them.
    theme_codes = models.CharField(_("主题代码"), max_length=1000, blank=True)
    online_depths = models.CharField(_("网上办理深度"), max_length=40, blank=True)
    fully_online = models.BooleanField(_("全程网办"), default=False)
    state = models.CharField(_("状态"), max_length=16)
    indexed_at = models.DateTimeField(_("索引时间"), default=timezone.now)

    class Meta:
        verbose_name = _("搜索索引")
        verbose_name_plural = pgettext_lazy("plural", "搜索索引")
        ordering = ("name",)
        indexes = [models.Index(fields=["audience", "fully_online"], name="catalog_sd_audience")]

    def __str__(self) -> str:
        return self.name


class SearchText(models.Model):
    """The searchable text of a `SearchDocument`, kept apart so that filtering and
    sorting documents reads small rows. Tokens are pre-segmented, separated by spaces."""

    document = models.OneToOneField(
        SearchDocument,
        verbose_name=_("搜索索引"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="text",
        db_column="item_id",
    )
    body_text = models.TextField(_("摘要文本"), blank=True)
    name_tokens = models.TextField(_("名称词"), blank=True)
    alias_tokens = models.TextField(_("别名词"), blank=True)
    body_tokens = models.TextField(_("正文词"), blank=True)
    pinyin_tokens = models.TextField(_("拼音词"), blank=True)
    # The filters as tokens (xfreg230402, xfaudperson …) so the full-text index filters.
    facet_tokens = models.TextField(_("筛选词"), blank=True)

    class Meta:
        verbose_name = _("搜索文本")
        verbose_name_plural = pgettext_lazy("plural", "搜索文本")

    def __str__(self) -> str:
        return str(self.pk)


class SearchSynonym(models.Model):
    """A term and its equivalents; the relation is symmetric (each finds the others)."""

    term = models.CharField(_("词语"), max_length=64, unique=True)
    equivalents = models.JSONField(_("同义词"), default=list)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("搜索同义词")
        verbose_name_plural = pgettext_lazy("plural", "搜索同义词")
        ordering = ("term",)

    def __str__(self) -> str:
        return self.term


class SearchQueryLog(models.Model):
    """One search, recorded anonymously: no user, no IP address, no session."""

    query = models.CharField(_("查询词"), max_length=200, blank=True)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    result_count = models.PositiveIntegerField(_("结果数"))
    language = models.CharField(_("语言"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("查询时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("搜索记录")
        verbose_name_plural = pgettext_lazy("plural", "搜索记录")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.query
