"""Tables of the tamper-evident audit chain (imported by `core.models`).

- `AuditChainLink`: one row per sealed `AuditEvent`, numbered 1, 2, 3 … in seal order;
  each holds the hash of the one before. Append-only (a PostgreSQL trigger refuses
  UPDATE and DELETE).
- `AuditCheckpoint`: a signed statement "the chain up to link `seq` has head `head_hash`",
  each also naming the previous checkpoint. Append-only.
- `AuditSealState`: where the sealer may start looking for unlinked events. Not evidence,
  only a shortcut: losing or resetting it makes the next seal run scan more rows.

See docs/audit.md and `govhub.core.audit_chain`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditChainLink(models.Model):
    seq = models.BigIntegerField(_("链序号"), primary_key=True)
    event = models.OneToOneField(
        "core.AuditEvent",
        verbose_name=_("审计记录"),
        on_delete=models.PROTECT,
        related_name="chain_link",
    )
    prev_hash = models.CharField(_("前一记录哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"), db_index=True)

    class Meta:
        verbose_name = _("审计链节点")
        verbose_name_plural = pgettext_lazy("plural", "审计链节点")
        ordering = ("seq",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditCheckpoint(models.Model):
    seq = models.BigIntegerField(_("覆盖至链序号"), unique=True)
    head_hash = models.CharField(_("链头哈希"), max_length=64)
    # SHA-256 of the previous checkpoint's signed statement and signature ("" for the first).
    prev_digest = models.CharField(_("前一检查点摘要"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("签署时间"))
    key_id = models.CharField(_("密钥标识"), max_length=64)
    algorithm = models.CharField(_("签名算法"), max_length=32)
    signature = models.TextField(_("签名"))

    class Meta:
        verbose_name = _("审计链检查点")
        verbose_name_plural = pgettext_lazy("plural", "审计链检查点")
        ordering = ("seq",)

    def __str__(self) -> str:
        return f"checkpoint #{self.pk} seq {self.seq}"


class AuditSealState(models.Model):
    """One row (id 1): every event with an id up to `watermark` is linked, or was refused
    by the sealer as suspicious (see `audit_chain.audit_seal`)."""

    watermark = models.BigIntegerField(_("水位"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审计封存状态")
        verbose_name_plural = pgettext_lazy("plural", "审计封存状态")

    def __str__(self) -> str:
        return f"watermark {self.watermark}"
