"""Every write of the identity domain, re-exported from the modules that hold them:
`services_sms` (SMS codes), `services_signin` (sign-in, second factor, step-up),
`services_accounts` (registration, password change and reset, mobile, TOTP, in-person
confirmation, staff activation) and `services_enterprise` (enterprises, agents, acting for)."""

from __future__ import annotations

from govhub.identity.services_accounts import (
    mobile_change,
    password_change,
    password_reset,
    person_confirm_in_person,
    person_register,
    staff_activate,
    staff_activation_check,
    staff_activation_issue,
    totp_begin,
    totp_confirm,
    totp_remove,
    totp_uri,
)
from govhub.identity.services_enterprise import (
    acting_for_change,
    agent_authorize,
    agent_revoke,
    enterprise_register,
)
from govhub.identity.services_signin import (
    SignInResult,
    sign_in_password,
    sign_in_sms,
    sign_in_totp,
    step_up_methods,
    step_up_password,
    step_up_sms,
    step_up_totp,
)
from govhub.identity.services_sms import sms_code_send, sms_code_verify

__all__ = [
    "SignInResult",
    "acting_for_change",
    "agent_authorize",
    "agent_revoke",
    "enterprise_register",
    "mobile_change",
    "password_change",
    "password_reset",
    "person_confirm_in_person",
    "person_register",
    "sign_in_password",
    "sign_in_sms",
    "sign_in_totp",
    "sms_code_send",
    "sms_code_verify",
    "staff_activate",
    "staff_activation_check",
    "staff_activation_issue",
    "step_up_methods",
    "step_up_password",
    "step_up_sms",
    "step_up_totp",
    "totp_begin",
    "totp_confirm",
    "totp_remove",
    "totp_uri",
]
