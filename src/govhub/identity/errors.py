"""Identity's own error kinds: refusals the caller can retry later. Both are
`InvalidInput` (so forms show them on a field) with a stable code, HTTP status 429 and
`retry_after` in seconds."""

from __future__ import annotations

from typing import Any

from govhub.core.errors import InvalidInput


class RetryLater(InvalidInput):
    code = "rate_limited"
    status = 429

    def __init__(
        self,
        message: Any = None,
        *,
        retry_after: int,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message, code=code, fields=fields)
        self.retry_after = max(1, int(retry_after))


class RateLimited(RetryLater):
    """Too many SMS codes for a number or an address."""

    code = "rate_limited"


class AccountLocked(RetryLater):
    """Too many failed sign-ins for an account or an address."""

    code = "account_locked"
