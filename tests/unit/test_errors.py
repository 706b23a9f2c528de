"""Errors name the address and the cause, and offer Retry only where it can help."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import hvac.exceptions
import pytest

from tests.conftest import settings_for
from vault_console.errors import describe
from vault_console.vault.transport import Urllib3Adapter


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield listener.getsockname()[1]
    listener.close()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def test_refused_names_the_address_and_the_cause() -> None:
    port = closed_port()
    with pytest.raises(Exception) as caught:
        Urllib3Adapter(settings_for(f"http://127.0.0.1:{port}", "t")).get("/v1/sys/health")
    described = describe(caught.value)
    assert described.title == "Unreachable"
    assert f"http://127.0.0.1:{port}: connection refused" in described.message
    assert described.retryable


def test_a_timeout_says_after_how_long(silent_listener: int) -> None:
    settings = dataclasses.replace(
        settings_for(f"http://127.0.0.1:{silent_listener}", "t"), timeout=0.5
    )
    with pytest.raises(Exception) as caught:
        Urllib3Adapter(settings).get("/v1/sys/health")
    described = describe(caught.value)
    assert described.title == "Timed out"
    assert f"http://127.0.0.1:{silent_listener} did not answer" in described.message
    assert "timed out after 0.5 s" in described.message


@pytest.mark.parametrize(
    "error",
    [
        hvac.exceptions.Forbidden("permission denied"),
        hvac.exceptions.InvalidPath(),
        hvac.exceptions.Unauthorized(),
        hvac.exceptions.InvalidRequest("bad"),
    ],
    ids=["403", "404", "401", "400"],
)
def test_no_retry_where_the_same_request_gets_the_same_answer(error: Exception) -> None:
    assert describe(error).retryable is False


def test_retry_for_a_sealed_server() -> None:
    assert describe(hvac.exceptions.VaultDown()).retryable is True


def test_every_failure_gets_a_kind_code_can_branch_on() -> None:
    """Code branches on ``ConsoleError.kind``, never on a title: each server answer and each
    failure the console raises on purpose maps to its own kind."""
    import hvac.exceptions
    import urllib3.exceptions

    from vault_console.errors import (
        CasConflict,
        CrossHostRedirect,
        ErrorKind,
        ReadOnlyViolation,
        kind_of,
    )

    assert kind_of(hvac.exceptions.Forbidden("no")) is ErrorKind.FORBIDDEN
    assert kind_of(hvac.exceptions.InvalidPath()) is ErrorKind.NOT_FOUND
    assert kind_of(hvac.exceptions.InternalServerError()) is ErrorKind.SERVER_ERROR
    assert kind_of(hvac.exceptions.VaultDown()) is ErrorKind.SEALED
    assert kind_of(ConnectionRefusedError()) is ErrorKind.UNREACHABLE
    assert kind_of(urllib3.exceptions.SSLError("bad cert")) is ErrorKind.TLS
    assert kind_of(CasConflict("kv/a", 3)) is ErrorKind.CONFLICT
    assert kind_of(ReadOnlyViolation("PUT", "kv/a")) is ErrorKind.READ_ONLY
    assert kind_of(CrossHostRedirect("a", "b")) is ErrorKind.REDIRECT
    assert kind_of(KeyError("x")) is ErrorKind.UNEXPECTED


def test_the_engine_missing_is_one_kind_whatever_its_title() -> None:
    from vault_console.errors import ErrorKind
    from vault_console.infra.engine import describe_failure

    missing = describe_failure(FileNotFoundError("pulumi: not found"))
    assert missing.kind is ErrorKind.ENGINE_MISSING


def test_a_standby_that_knows_no_active_node_is_said_plainly() -> None:
    import hvac.exceptions

    from vault_console.errors import ErrorKind, describe

    raw = hvac.exceptions.InternalServerError(
        "local node not active but active cluster node not found", errors=[]
    )
    problem = describe(raw)
    assert problem.title == "No active node" and problem.kind is ErrorKind.NO_LEADER
    assert "Nothing was written" in problem.message and problem.retryable
