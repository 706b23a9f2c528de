"""The STS confirmation's retry: a new IAM key takes seconds to become valid on AWS, which
moto cannot show (its keys work at once), so the schedule is checked here on a fake clock."""

from __future__ import annotations

import pytest

from vault_console.infra.proof import STS_DELAYS, retry


class NotYetValid(Exception):
    pass


def test_retries_after_each_delay_then_answers() -> None:
    slept: list[float] = []
    answers = iter([NotYetValid(), NotYetValid(), "ok"])

    def call() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, str)
        return answer

    result, tries = retry(call, lambda e: isinstance(e, NotYetValid), sleep=slept.append)
    assert (result, tries) == ("ok", 3)
    assert slept == list(STS_DELAYS[:2])


def test_gives_up_after_the_last_delay_with_the_last_error() -> None:
    slept: list[float] = []
    calls = 0

    def call() -> str:
        nonlocal calls
        calls += 1
        raise NotYetValid(calls)

    with pytest.raises(NotYetValid) as caught:
        retry(call, lambda e: isinstance(e, NotYetValid), sleep=slept.append)
    assert calls == len(STS_DELAYS) + 1 == caught.value.args[0]
    assert slept == list(STS_DELAYS)


def test_an_error_that_is_not_retriable_is_raised_at_once() -> None:
    slept: list[float] = []

    def call() -> str:
        raise ValueError("refused for good")

    with pytest.raises(ValueError):
        retry(call, lambda e: isinstance(e, NotYetValid), sleep=slept.append)
    assert slept == []
