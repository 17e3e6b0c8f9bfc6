"""Forms of the identity pages. They check the shape of what a person typed (a mobile
number, six digits, an ID number's check character) and give each field the attributes
browsers and assistive technology need (`autocomplete`, `inputmode`); the services
decide everything else, and their errors land on the matching field (`apply_error`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from govhub.core.errors import ApplicationError
from govhub.core.validators import check_id_number, check_uscc, normalize_mobile

CODE_LENGTH = 6


class IdentityForm(forms.Form):
    """Shared behaviour: Chinese-first required messages and service errors on fields."""

    required_messages: Mapping[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            message = self.required_messages.get(name)
            if message is not None:
                field.error_messages["required"] = message
            elif field.label:
                field.error_messages["required"] = _("请填写%(label)s。") % {"label": field.label}

    def apply_error(
        self, exc: ApplicationError, *, field_map: Mapping[str, str] | None = None
    ) -> None:
        """Show a service's error: its field messages next to the fields, the rest on top."""
        field_map = field_map or {}
        placed = False
        for key, messages in (exc.fields or {}).items():
            name = field_map.get(key, key)
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, str(message))
            placed = True
        if not placed:
            self.add_error(None, str(exc.message))


def _code_field(label: Any = None, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label or _("短信验证码"),
        required=required,
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": str(CODE_LENGTH),
                "size": "8",
                "class": "input--code",
            }
        ),
    )


def _mobile_field(*, autocomplete: str = "tel-national") -> forms.CharField:
    return forms.CharField(
        label=_("手机号码"),
        max_length=32,
        help_text=_("中国大陆11位手机号码，用于接收短信验证码。"),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": autocomplete, "size": "16"}
        ),
    )


def _password_field(label: Any, *, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def clean_code(value: str, *, message: Any = None) -> str:
    code = "".join(value.split())
    code = code.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})  # full-width digits
    if not code.isascii() or not code.isdigit() or len(code) != CODE_LENGTH:
        raise ValidationError(message or _("验证码为6位数字，请检查后重新输入。"))
    return code


def clean_mobile(value: str) -> str:
    return normalize_mobile(value)


PASSWORD_HELP = _("至少8位，不能全是数字，不能是常见密码，也不能与姓名、证件号码相近。")


class CodeSendMixin:
    """Forms with a "获取验证码" button: pressing it validates only the mobile number."""

    send_fields: tuple[str, ...] = ("mobile",)
    sending: bool = False

    def for_sending(self) -> None:
        """Keep only the errors of the fields needed to send a code."""
        form: Any = self
        form.sending = True
        for name in list(form.errors):
            if name not in self.send_fields:
                del form.errors[name]


# --- Registration and sign-in -------------------------------------------------------


class PasswordPairMixin(forms.Form):
    """A new password typed twice (`password`, `password_confirm`): the two must match."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password"), data.get("password_confirm")
        if first and second and first != second:
            self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return data


class RegisterForm(PasswordPairMixin, CodeSendMixin, IdentityForm):
    name = forms.CharField(
        label=_("姓名"),
        max_length=64,
        help_text=_("与居民身份证上的姓名一致。"),
        widget=forms.TextInput(attrs={"autocomplete": "name", "size": "20"}),
    )
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=32,
        help_text=_("18位，最后一位可能是字母X。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "size": "24", "class": "input--id"}
        ),
    )
    mobile = _mobile_field()
    sms_code = _code_field()
    password = _password_field(_("设置密码"), autocomplete="new-password", help_text=PASSWORD_HELP)
    password_confirm = _password_field(_("再次输入密码"), autocomplete="new-password")

    def clean_name(self) -> str:
        name = "".join(self.cleaned_data["name"].split())
        if len(name) < 2:
            raise ValidationError(_("请填写完整的姓名（至少2个字）。"))
        return name

    def clean_id_number(self) -> str:
        return check_id_number(self.cleaned_data["id_number"]).value

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data["mobile"])

    def clean_sms_code(self) -> str:
        return clean_code(self.cleaned_data["sms_code"])


class PasswordSignInForm(IdentityForm):
    identifier = forms.CharField(
        label=_("账号"),
        max_length=64,
        help_text=_("手机号码、居民身份证号码或用户名。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    password = _password_field(_("密码"), autocomplete="current-password")


class SmsSignInForm(CodeSendMixin, IdentityForm):
    mobile = _mobile_field(autocomplete="username")
    code = _code_field()

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data["mobile"])

    def clean_code(self) -> str:
        return clean_code(self.cleaned_data["code"])


class PasswordResetForm(CodeSendMixin, IdentityForm):
    """找回密码: the account's mobile (a code is sent to it), the ID number registered on the
    account, the code and a new password twice."""

    mobile = _mobile_field(autocomplete="username")
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=32,
        help_text=_("注册账号时登记的身份证号码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "size": "24", "class": "input--id"}
        ),
    )
    code = _code_field()
    new_password = _password_field(
        _("新密码"), autocomplete="new-password", help_text=PASSWORD_HELP
    )
    new_password_confirm = _password_field(_("再次输入新密码"), autocomplete="new-password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile"].help_text = _("账号绑定的手机号码，用于接收短信验证码。")

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data["mobile"])

    def clean_id_number(self) -> str:
        return check_id_number(self.cleaned_data["id_number"]).value

    def clean_code(self) -> str:
        return clean_code(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password"), data.get("new_password_confirm")
        if first and second and first != second:
            self.add_error("new_password_confirm", _("两次输入的新密码不一致。"))
        return data


class CodeForm(IdentityForm):
    """A single six-digit code: TOTP or SMS, as a second factor or a step-up."""

    code = _code_field(_("验证码"))

    def __init__(self, *args: Any, label: Any = None, help_text: Any = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["code"].label = label
            self.fields["code"].error_messages["required"] = _("请填写%(label)s。") % {
                "label": label
            }
        self.fields["code"].help_text = help_text

    def clean_code(self) -> str:
        return clean_code(self.cleaned_data["code"])


class PasswordConfirmForm(IdentityForm):
    password = _password_field(_("登录密码"), autocomplete="current-password")


# --- Account settings ---------------------------------------------------------------


class PasswordChangeForm(IdentityForm):
    old_password = _password_field(_("当前密码"), autocomplete="current-password")
    new_password = _password_field(
        _("新密码"), autocomplete="new-password", help_text=PASSWORD_HELP
    )
    new_password_confirm = _password_field(_("再次输入新密码"), autocomplete="new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password"), data.get("new_password_confirm")
        if first and second and first != second:
            self.add_error("new_password_confirm", _("两次输入的新密码不一致。"))
        if first and first == data.get("old_password"):
            self.add_error("new_password", _("新密码不能与当前密码相同。"))
        return data


class MobileChangeForm(CodeSendMixin, IdentityForm):
    mobile = _mobile_field()
    code = _code_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile"].label = _("新手机号码")
        self.fields["mobile"].error_messages["required"] = _("请填写新手机号码。")

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data["mobile"])

    def clean_code(self) -> str:
        return clean_code(self.cleaned_data["code"])


class TotpConfirmForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("验证器显示的6位动态码"))
        super().__init__(*args, **kwargs)


class StaffActivationForm(PasswordPairMixin, IdentityForm):
    password = _password_field(_("设置密码"), autocomplete="new-password", help_text=PASSWORD_HELP)
    password_confirm = _password_field(_("再次输入密码"), autocomplete="new-password")
    totp_code = _code_field(_("验证器显示的6位动态码"))

    def clean_totp_code(self) -> str:
        return clean_code(self.cleaned_data["totp_code"])


# --- Enterprises ----------------------------------------------------------------------


class EnterpriseRegisterForm(IdentityForm):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=32,
        help_text=_("18位，见营业执照。只有法定代表人本人可以登记企业。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "size": "24", "class": "input--id"}
        ),
    )

    def clean_uscc(self) -> str:
        return check_uscc(self.cleaned_data["uscc"]).value


class ActingForForm(IdentityForm):
    """Switch between acting for oneself ("") and for an enterprise (its USCC)."""

    acting_for = forms.ChoiceField(label=_("办事身份"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["acting_for"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.error_messages["invalid_choice"] = _("请选择列表中的办事身份。")


class AgentGrantForm(IdentityForm):
    agent_name = forms.CharField(
        label=_("经办人姓名"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": "20"}),
    )
    agent_id_number = forms.CharField(
        label=_("经办人居民身份证号码"),
        max_length=32,
        help_text=_("经办人须已在本平台完成实名注册。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "size": "24", "class": "input--id"}
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("授权范围"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项授权范围。")},
    )
    expires_on = forms.DateField(
        label=_("授权截止日期"),
        help_text=_("格式：YYYY-MM-DD。到期后授权自动失效。"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入有效日期，格式为YYYY-MM-DD。")},
    )

    required_messages = {"scopes": _("请至少选择一项授权范围。")}

    def __init__(self, *args: Any, scope_choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = scope_choices
        field.error_messages["invalid_choice"] = _("请选择列表中的授权范围。")

    def clean_agent_name(self) -> str:
        return "".join(self.cleaned_data["agent_name"].split())

    def clean_agent_id_number(self) -> str:
        return check_id_number(self.cleaned_data["agent_id_number"]).value
