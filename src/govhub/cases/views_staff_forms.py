"""The forms of the workbench's case page: one per action (`workflow.Action`).

Each carries the case's `revision` as a hidden field, so that a page that has gone stale
(someone else acted since it was loaded) gets the service's `Conflict` instead of acting on
what the clerk did not see. The forms only check the shape of the input; the services
decide everything else, and their errors land on the matching field
(`IdentityForm.apply_error`). What each form calls is in `views_staff_actions`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from govhub.cases import clock, selectors_staff
from govhub.cases.fees import catalogue_lines
from govhub.cases.models import Case, CaseStep, Channel, DeliveryMethod
from govhub.cases.services_handling import PROCEDURE_KINDS
from govhub.cases.workflow import Decision
from govhub.catalog.selectors import special_procedure_kind_label
from govhub.core.errors import ApplicationError
from govhub.core.validators import check_id_number, check_uscc
from govhub.identity.forms import IdentityForm
from govhub.identity.models import User

EXTRA_SUPPLEMENT_ROWS = 3


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": str(rows)})


class ActionForm(IdentityForm):
    """Every action form: the revision of the case as the page showed it."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["revision"].initial = case.revision


class AcceptForm(ActionForm):
    opinion = forms.CharField(
        label=gettext_lazy("受理意见"), required=False, max_length=2000, widget=_textarea(2)
    )


class RejectIntakeForm(ActionForm):
    reason = forms.CharField(
        label=gettext_lazy("不予受理的理由"), max_length=2000, widget=_textarea()
    )
    legal_notice = forms.CharField(
        label=gettext_lazy("法律告知"),
        max_length=4000,
        help_text=gettext_lazy(
            "写明不予受理的依据，以及申请人可以向哪个机关申请或者依法申请行政复议、提起行政诉讼。"
        ),
        widget=_textarea(4),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_notice"].initial = default_remedy(self.case)


class SupplementForm(ActionForm):
    """一次性告知: the item's materials as a checklist, each with its reason, plus free
    rows for anything else that is missing; one complete list."""

    note = forms.CharField(
        label=gettext_lazy("补充说明"), required=False, max_length=2000, widget=_textarea(2)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.material_rows: list[tuple[str, str, str]] = []  # (label, check, reason)
        for material in self.case.version.materials.all():
            check, reason = f"m_{material.pk}", f"m_{material.pk}_reason"
            self.fields[check] = forms.BooleanField(label=material.display_name, required=False)
            self.fields[reason] = forms.CharField(
                label=_("“%(name)s”需要补正的原因") % {"name": material.display_name},
                required=False,
                max_length=500,
            )
            self.material_rows.append((material.display_name, check, reason))
        self.extra_rows: list[tuple[str, str]] = []
        for index in range(EXTRA_SUPPLEMENT_ROWS):
            name, reason = f"extra_{index}_name", f"extra_{index}_reason"
            self.fields[name] = forms.CharField(
                label=_("其他补正内容 %(n)s") % {"n": index + 1}, required=False, max_length=200
            )
            self.fields[reason] = forms.CharField(
                label=_("其他补正内容 %(n)s 的原因") % {"n": index + 1},
                required=False,
                max_length=500,
            )
            self.extra_rows.append((name, reason))
        self.order_fields([*(f for row in self.material_rows for f in row[1:]), "note"])

    def material_fields(self) -> list[tuple[Any, Any]]:
        return [(self[check], self[reason]) for _label, check, reason in self.material_rows]

    def extra_fields(self) -> list[tuple[Any, Any]]:
        return [(self[name], self[reason]) for name, reason in self.extra_rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items: list[dict[str, Any]] = []
        for material in self.case.version.materials.all():
            check, reason = f"m_{material.pk}", f"m_{material.pk}_reason"
            text = (data.get(reason) or "").strip()
            if data.get(check):
                if not text:
                    self.add_error(reason, _("请写明该材料需要补正的原因。"))
                items.append(
                    {"material_id": material.pk, "name": material.display_name, "reason": text}
                )
            elif text:
                self.add_error(check, _("写了原因的材料请勾选。"))
        for index in range(EXTRA_SUPPLEMENT_ROWS):
            name = (data.get(f"extra_{index}_name") or "").strip()
            text = (data.get(f"extra_{index}_reason") or "").strip()
            if name and not text:
                self.add_error(f"extra_{index}_reason", _("请写明需要补正的原因。"))
            elif text and not name:
                self.add_error(f"extra_{index}_name", _("请写明需要补正的内容。"))
            if name or text:
                items.append({"material_id": None, "name": name, "reason": text})
        if not items and not self.errors:
            self.add_error(None, _("请一次性列出需要补正的全部内容：勾选材料或填写其他补正内容。"))
        data["items"] = items
        return data


class ClaimForm(ActionForm):
    pass


class ColleagueField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.get_username())


class AssignForm(ActionForm):
    assignee = ColleagueField(
        label=gettext_lazy("指派给"), queryset=User.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        colleagues = selectors_staff.assignable_colleagues(case=self.case)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in colleagues]).order_by(
            "full_name", "pk"
        )
        field.help_text = _("只列出持有当前环节所需岗位的同事。")


class ReviewForm(ActionForm):
    step = forms.TypedChoiceField(label=gettext_lazy("办理环节"), coerce=int)
    outcome = forms.ChoiceField(
        label=gettext_lazy("审查结论"), choices=CaseStep.Outcome.choices, widget=forms.RadioSelect
    )
    opinion = forms.CharField(label=gettext_lazy("审查意见"), max_length=4000, widget=_textarea(4))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps = selectors_staff.actionable_steps(actor=self.user, case=self.case)
        field = self.fields["step"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(s.pk, f"{s.name}（{s.department.display_short_name}）") for s in steps]
        if len(steps) == 1:
            field.initial = steps[0].pk
            field.widget = forms.HiddenInput()
        self.steps = steps

    def step_note(self) -> str:
        """The step being reviewed, when there is only one (it is then a hidden field)."""
        if len(self.steps) != 1:
            return ""
        step = self.steps[0]
        if step.due_on:
            return _("环节：%(name)s（%(department)s），环节到期日期 %(date)s") % {
                "name": step.name,
                "department": step.department.display_short_name,
                "date": step.due_on.isoformat(),
            }
        return _("环节：%(name)s（%(department)s）") % {
            "name": step.name,
            "department": step.department.display_short_name,
        }


class SpecialStartForm(ActionForm):
    kind = forms.ChoiceField(label=gettext_lazy("特别程序类型"))
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=64,
        help_text=gettext_lazy("例如：现场核查、专家评审会。"),
    )
    reason = forms.CharField(label=gettext_lazy("启动理由"), max_length=2000, widget=_textarea())
    limit_value = forms.IntegerField(
        label=gettext_lazy("时限"), required=False, min_value=1, max_value=365
    )
    limit_unit = forms.ChoiceField(
        label=gettext_lazy("时限单位"),
        choices=[
            (clock.WORKING, pgettext_lazy("unit", "工作日")),
            (clock.CALENDAR, pgettext_lazy("unit", "自然日")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, special_procedure_kind_label(k)) for k in PROCEDURE_KINDS]


class SpecialEndForm(ActionForm):
    result = forms.CharField(
        label=gettext_lazy("特别程序结论"), max_length=4000, widget=_textarea(4)
    )


class ExtendForm(ActionForm):
    days = forms.IntegerField(
        label=gettext_lazy("延长天数"),
        min_value=1,
        max_value=60,
        help_text=gettext_lazy("按办件时限的计算单位，1 到 60。"),
    )
    reason = forms.CharField(label=gettext_lazy("延长理由"), max_length=2000, widget=_textarea())


class DecideForm(ActionForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("决定"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=gettext_lazy("决定理由"), max_length=4000, widget=_textarea(4))
    remedy = forms.CharField(
        label=gettext_lazy("救济途径"),
        required=False,
        max_length=4000,
        help_text=gettext_lazy(
            "不予决定须告知申请人申请行政复议或者提起行政诉讼的途径和期限；已按事项指南预填。"
        ),
        widget=_textarea(4),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remedy"].initial = default_remedy(self.case)


class IssueForm(ActionForm):
    GENERATE, UPLOAD = "generate", "upload"
    mode = forms.ChoiceField(
        label=gettext_lazy("办理结果"),
        choices=[
            (GENERATE, gettext_lazy("生成决定书（PDF）")),
            (UPLOAD, gettext_lazy("上传结果文件（证照、批文等）")),
        ],
        initial=GENERATE,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("结果文件"),
        required=False,
        help_text=gettext_lazy("PDF、OFD、JPG 或 PNG。"),
    )
    name = forms.CharField(label=gettext_lazy("结果名称"), required=False, max_length=200)

    RESULT_FIELDS = ("mode", "file", "name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.case.version
        self.fields["name"].initial = version.result_name
        # The fees charged: one row per catalogue fee line (name prefilled), one extra row.
        # A row whose amount is left blank was not charged.
        self.fee_rows: list[tuple[str, str, str]] = []  # (name field, amount field, hint)
        for index, line in enumerate(catalogue_lines(version.fee_lines).values()):
            name, amount = f"fee_{index}_name", f"fee_{index}_amount"
            self.fields[name] = _fee_name_field(
                _("收费项目 %(n)s") % {"n": index + 1}, initial=str(line["name"]).strip()
            )
            self.fields[amount] = _fee_amount_field(
                _("“%(name)s”实收金额（元）") % {"name": str(line["name"]).strip()}
            )
            standard = str(line.get("standard") or "").strip()
            hint = _("收费标准：%(standard)s") % {"standard": standard} if standard else ""
            self.fields[name].help_text = hint  # the name input is described by it
            self.fee_rows.append((name, amount, hint))
        self.fields["fee_extra_name"] = _fee_name_field(_("其他收费项目"))
        self.fields["fee_extra_amount"] = _fee_amount_field(_("其他收费实收金额（元）"))
        self.fee_rows.append(("fee_extra_name", "fee_extra_amount", ""))
        self.fee_slots: list[tuple[str, str]] = []  # the rows sent to the service, in order

    def result_fields(self) -> list[Any]:
        return [self[name] for name in self.RESULT_FIELDS]

    def fee_fields(self) -> list[tuple[Any, Any, str]]:
        return [(self[name], self[amount], hint) for name, amount, hint in self.fee_rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.UPLOAD and not data.get("file"):
            self.add_error("file", _("请选择要上传的结果文件。"))
        fees: list[dict[str, str]] = []
        self.fee_slots = []
        for name, amount, _hint in self.fee_rows:
            text = (data.get(name) or "").strip()
            value = (data.get(amount) or "").strip()
            # A catalogue row counts when an amount is given; the extra row when anything is.
            if value or (text and name == "fee_extra_name"):
                fees.append({"name": text, "amount": value})
                self.fee_slots.append((name, amount))
        data["fees"] = fees
        return data

    def apply_error(
        self, exc: ApplicationError, *, field_map: Mapping[str, str] | None = None
    ) -> None:
        """The service names fees by their place in the list (`fees.0.amount`): show each
        message next to the row it came from."""
        mapping = dict(field_map or {})
        for index, (name, amount) in enumerate(self.fee_slots):
            mapping[f"fees.{index}.name"] = name
            mapping[f"fees.{index}.amount"] = amount
        super().apply_error(exc, field_map=mapping)


def _fee_name_field(label: str, *, initial: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=200, initial=initial)


def _fee_amount_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": "10", "autocomplete": "off"}),
    )


class DeliverForm(ActionForm):
    method = forms.ChoiceField(
        label=gettext_lazy("送达方式"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    address = forms.CharField(
        label=gettext_lazy("邮寄地址"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("邮寄送达时必填。"),
    )
    tracking_number = forms.CharField(label=gettext_lazy("快递单号"), required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].initial = str(self.case.form_data.get("address", "") or "")


class CompleteForm(ActionForm):
    pass


class TerminateForm(ActionForm):
    reason = forms.CharField(
        label=gettext_lazy("终止办理的理由"), max_length=2000, widget=_textarea()
    )


class AttachForm(ActionForm):
    name = forms.CharField(
        label=gettext_lazy("附件名称"),
        max_length=200,
        help_text=gettext_lazy("例如：现场核查笔录、专家评审意见。"),
    )
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy("PDF、OFD、JPG 或 PNG。")
    )


# --- who and what the forms offer ------------------------------------------------------------


def default_remedy(case: Case) -> str:
    """The item's own words on reconsideration and litigation (what `case_decide` uses
    when a refusal gives none)."""
    version = case.version
    return "\n".join(text for text in (version.reconsideration, version.litigation) if text)


# --- intake (views_staff_intake) ---------------------------------------------------------


class LookupForm(IdentityForm):
    """The applicant as the clerk reads them from the ID card (and business licence)."""

    required_messages = {
        "name": gettext_lazy("请填写申请人姓名。"),
        "id_number": gettext_lazy("请填写申请人身份证号码。"),
    }

    channel = forms.ChoiceField(label=gettext_lazy("申请方式"), widget=forms.RadioSelect)
    name = forms.CharField(
        label=gettext_lazy("申请人姓名"),
        max_length=64,
        help_text=gettext_lazy("与居民身份证一致；为单位办理时填写经办人。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": "16"}),
    )
    id_number = forms.CharField(
        label=gettext_lazy("居民身份证号码"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "size": "24", "class": "input--id"}
        ),
    )
    uscc = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("为企业或其他组织办理时填写。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "size": "24", "class": "input--id"}
        ),
    )

    def __init__(self, *args: Any, channels: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = channels
        field.error_messages["required"] = _("请选择申请方式。")
        if channels:
            field.initial = channels[0][0]
        if len(channels) == 1:
            field.widget = forms.HiddenInput()

    def clean_name(self) -> str:
        return "".join(self.cleaned_data["name"].split())

    def clean_id_number(self) -> str:
        return check_id_number(self.cleaned_data["id_number"]).value

    def clean_uscc(self) -> str:
        value = self.cleaned_data.get("uscc") or ""
        if not value.strip():
            return ""
        return check_uscc(value, allow_legacy_check=True).value


class ApplicationForm(LookupForm):
    """Step 3: the looked-up applicant (hidden) and what the clerk records besides the
    application form and the materials."""

    mobile = forms.CharField(
        label=gettext_lazy("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "size": "16"}),
    )
    proxy_note = forms.CharField(
        label=gettext_lazy("代办授权说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": "3"}),
    )
    door_to_door = forms.BooleanField(label=gettext_lazy("上门代办"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # What the registries filled in (`views_staff_intake.prefill_token`), signed.
    prefill = forms.CharField(widget=forms.HiddenInput, required=False, max_length=8000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "id_number", "uscc"):
            self.fields[name].widget = forms.HiddenInput()
        self.fields["channel"].widget = forms.HiddenInput()
        self.fields["idempotency_key"].initial = uuid.uuid4().hex
        channel = self.data.get("channel") if self.is_bound else self.initial.get("channel")
        if channel == Channel.HOTLINE:
            self.fields["proxy_note"].label = _("来电记录")
            self.fields["proxy_note"].help_text = _(
                "来电时间、来电号码，以及来电人同意代为提交申请的说明。"
            )
        else:
            self.fields["proxy_note"].help_text = _(
                "委托书编号或授权方式（例如：本人到服务点签署委托书，编号……）。"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("channel") == Channel.SERVICE_POINT
            and not (data.get("proxy_note") or "").strip()
        ):
            self.add_error("proxy_note", _("请记录申请人的代办授权（委托书编号或授权方式）。"))
        return data
