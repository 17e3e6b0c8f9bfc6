"""What the applicant's pages share (see `views_applicant`): the `Flavour` (web pages or
kiosk), the small request helpers, the guards that find an item or a case the caller may
see, and a service's errors sorted for the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from govhub.cases import selectors, uploads
from govhub.cases.models import Case, Channel
from govhub.catalog.models import ImplementationItem
from govhub.core.errors import ApplicationError, NotFound
from govhub.identity import levels, session
from govhub.identity.models import Enterprise

# --- Flavours: the web pages and the kiosk share the handlers ------------------------------


@dataclass(frozen=True)
class Flavour:
    """Which page set a handler serves: URL namespace, template folder, channel."""

    namespace: str
    templates: str
    channel: str
    autocomplete: bool = True

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"{self.namespace}:{name}", args=args)

    def template(self, name: str) -> str:
        return f"{self.templates}/{name}"

    def context(self) -> dict[str, Any]:
        return {"ns": self.namespace, "flavour": self}

    def guide_url(self, code: str) -> str:
        """The item's guide: the catalogue's page, or the kiosk's own."""
        if self.namespace == "kiosk":
            return reverse("kiosk:guide", args=[code])
        return reverse("catalog:item_guide", args=[code])


WEB = Flavour(namespace="cases", templates="cases/applicant", channel=Channel.WEB)
ACCEPTED_FILE_TYPES = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"


# --- Small helpers ----------------------------------------------------------------------------


def user_of(request: HttpRequest) -> Any:
    return request.user


def acting_of(request: HttpRequest) -> Enterprise | None:
    return session.acting_for(request)


def can_change(request: HttpRequest) -> bool:
    """Changes to a case need L2 (see `views_applicant`'s docstring)."""
    return session.level_satisfied(request, levels.L2)


def not_found(exc: ApplicationError | None = None) -> Http404:
    return Http404(str(exc.message) if exc is not None else _("找不到该办件，或您无权查看。"))


def _messages_of(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]


@dataclass
class SplitErrors:
    """A service's `InvalidInput`, sorted for the page: the application form's fields
    ("form.<name>"), the materials ("material.<id>") and everything else."""

    message: str = ""
    form: dict[str, list[str]] = field(default_factory=dict)
    materials: dict[int, list[str]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, exc: ApplicationError) -> SplitErrors:
        split = cls(message=str(exc.message))
        for key, values in (exc.fields or {}).items():
            texts = _messages_of(values)
            if key.startswith("form."):
                split.form.setdefault(key[len("form.") :], []).extend(texts)
            elif key.startswith("material."):
                try:
                    material_id = int(key[len("material.") :])
                except ValueError:
                    split.other.extend(texts)
                else:
                    split.materials.setdefault(material_id, []).extend(texts)
            else:
                split.other.extend(t for t in texts if t != split.message)
        return split

    def add_material(self, material_id: int, exc: ApplicationError) -> None:
        texts: list[str] = []
        for values in (exc.fields or {}).values():
            texts.extend(_messages_of(values))
        self.materials.setdefault(material_id, []).extend(texts or [str(exc.message)])

    def __bool__(self) -> bool:
        return bool(self.message or self.form or self.materials or self.other)


# --- Guards ------------------------------------------------------------------------------------


def accepts_online(item: ImplementationItem) -> bool:
    """Whether `item` can be applied for on these pages: active, published, "online" among
    its handling forms, and an application form (JSON Schema)."""
    version = item.published_version
    return bool(
        version is not None
        and item.state == ImplementationItem.State.ACTIVE
        and "online" in (version.handling_forms or [])
        and version.form_schema
    )


def own_case(request: HttpRequest, pk: int) -> Case:
    """A case of the signed-in applicant (or of the enterprise they act for), by id."""
    case = (
        selectors.applicant_cases(user_of(request), acting_for=acting_of(request))
        .select_related("item", "version", "department", "region", "enterprise")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise not_found()
    return case


def detail_or_404(request: HttpRequest, number: str) -> selectors.CaseDetail:
    try:
        return selectors.case_detail(
            actor=user_of(request), number=number, acting_for=acting_of(request)
        )
    except NotFound as exc:
        raise not_found(exc) from exc


def step_up_url(request: HttpRequest, fl: Flavour, next_url: str) -> str:
    """Where to reach L2 and come back to `next_url` (the kiosk has its own page)."""
    if fl.namespace == "kiosk":
        from urllib.parse import urlencode

        return f"{reverse('kiosk:verify')}?{urlencode({'next': next_url})}"
    return session.step_up_url(next_url, levels.L2)


def upload_hint() -> str:
    size = uploads.max_upload_bytes() // (1024 * 1024)
    return _("可上传 PDF、JPG、PNG 或 OFD 文件，每个不超过 %(size)s MB。") % {"size": size}
