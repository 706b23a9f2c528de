"""The order of audit times across files (the merge itself runs on a real cluster's files:
tests/integration/test_cluster_audit.py)."""

from __future__ import annotations

from vault_console.audit.merge import time_key


def test_times_order_by_instant_not_by_text() -> None:
    # Go trims trailing zeros: as text, .12Z sorts after .123Z, and offsets do not compare.
    ordered = [
        "2026-12-06T15:17:35.1Z",
        "2026-12-06T15:17:35.118045361Z",
        "2026-12-06T15:17:35.12Z",
        "2026-12-06T16:17:35.123+01:00",
        "2026-12-06T15:17:36Z",
    ]
    assert sorted(reversed(ordered), key=time_key) == ordered
    assert time_key("2026-12-06T16:17:35.123+01:00") == time_key("2026-12-06T15:17:35.123Z")


def test_a_time_that_is_not_one_sorts_first() -> None:
    assert time_key("yesterday") == 0.0 == time_key("2026-13-40T99:99:99Z")
    assert time_key("1970-01-01T00:00:01Z") == 1.0
