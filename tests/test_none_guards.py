"""Values the type check found can be None: each None case gets a clear message, not a crash."""

from __future__ import annotations

import pytest

from helpers import aws
from helpers.errors import StandinError


def test_control_without_stand_in_address_says_how_to_connect() -> None:
    # Built by hand, an offline Connection has no endpoint: control() once failed on None.rstrip.
    conn = aws.Connection("offline", "us-east-1", session=None)
    with pytest.raises(StandinError, match="no stand-in address") as caught:
        conn.control("GET", "/_standin/state")
    assert caught.value.fix is not None and "aws.connect()" in caught.value.fix
    with pytest.raises(StandinError, match="no stand-in address"):
        conn.today()  # reads the pinned date through control()
