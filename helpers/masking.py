"""Account IDs hidden before anything is shown: messages, printed requests, tables, CSV files.

    masking.mask_account_ids("arn:aws:bedrock:us-east-1:123456789012:...")  # ...:********9012:...
    tables.show(masking.masked(frame))

Messages quote ARNs and AWS's own error text, and end up in screenshots and shared notebooks;
the last four digits are kept so that two accounts can still be told apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# A 12-digit AWS account ID, not part of a longer number.
ACCOUNT_ID = re.compile(r"(?<!\d)(\d{12})(?!\d)")
# The account field of an ARN (partition, service, region, then the account).
ARN_ACCOUNT = re.compile(r"(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(?=:)")


def mask_account_ids(text: str) -> str:
    """Hide 12-digit account IDs (keeping the last four digits) before showing text."""
    return ACCOUNT_ID.sub(lambda m: "********" + m[1][-4:], text)


def mask_arn_accounts(text: str) -> str:
    """Like ``mask_account_ids``, but in text with ARNs only their account fields are masked,
    so a resource ID of 12 digits (an inference profile's) stays readable."""
    if ARN_ACCOUNT.search(text):
        return ARN_ACCOUNT.sub(lambda m: m[1] + mask_account_ids(m[2]), text)
    return mask_account_ids(text)


def masked(frame: pd.DataFrame, *, keep_resource_ids: bool = False) -> pd.DataFrame:
    """A copy of a table with account IDs masked in its text columns, for showing or writing.

    ``keep_resource_ids``: in values holding ARNs, mask the account field only (for CUR query
    results, whose resource IDs are profile ARNs people look up).
    """
    from pandas.api.types import is_object_dtype, is_string_dtype

    mask: Callable[[str], str] = mask_arn_accounts if keep_resource_ids else mask_account_ids
    out = frame.copy()
    for column in out.columns:
        if is_object_dtype(out[column]) or is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: mask(v) if isinstance(v, str) else v)
    return out
