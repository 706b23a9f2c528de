"""Hostile settings and profiles files: each is refused with its name and reason."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from vault_console import config
from vault_console.config import ConfigError, resolve


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "1e400", "99999999999999999999h", "0.0001", "25h"]
)
def test_timeouts_out_of_range_name_the_variable_and_the_range(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(env={"VAULT_CLIENT_TIMEOUT": value}, home=Path("/nonexistent"))
    assert caught.value.args[0].startswith("VAULT_CLIENT_TIMEOUT:")
    assert "from 1ms to 24h" in caught.value.args[0]


def test_a_long_duration_is_refused_without_a_regex_scan() -> None:
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="too long"):
        config.parse_timeout("timeout", "1" * 100_000 + "x")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("token", "reason"),
    [("s.abc\nInjected: 1", "control character"), ("s.abc\u2603", "HTTP header cannot carry")],
)
def test_a_token_that_cannot_be_sent_is_refused_without_printing_it(
    token: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(env={"VAULT_TOKEN": token}, home=Path("/nonexistent"))
    message = caught.value.args[0]
    assert message.startswith("VAULT_TOKEN:") and reason in message
    assert "s.abc" not in message


@pytest.mark.parametrize("address", ["http://[::1", "http://127.0.0.1:99999", "http://", "ftp://x"])
def test_an_address_that_does_not_parse_names_where_it_came_from(address: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(env={"VAULT_ADDR": address}, home=Path("/nonexistent"))
    assert caught.value.args[0].startswith("VAULT_ADDR:")


def profiles(tmp_path: Path, data: bytes) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    return {"VAULT_CONSOLE_CONFIG": str(path)}


def test_invalid_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    env = profiles(tmp_path, b'[profiles.a]\naddress = "http://x"\nnamespace = "\xff"\n')
    with pytest.raises(ConfigError, match=r"config\.toml:3: not valid UTF-8"):
        config.load_profiles(config.profiles_path(env))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_not_read(device: str) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        config.load_profiles(Path(device))


def test_a_fifo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        config.load_profiles(fifo)  # opening it would block until a writer came


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    env = profiles(tmp_path, b"# " + b"x" * (config.PROFILES_LIMIT + 10))
    with pytest.raises(ConfigError, match="larger than 4 MiB"):
        config.load_profiles(config.profiles_path(env))


@pytest.mark.parametrize("key", ['"a("', '"(a+)+$"', '"[x"'])
def test_regex_metacharacters_in_keys_are_only_text(tmp_path: Path, key: str) -> None:
    env = profiles(tmp_path, f'[profiles.p]\naddress = "http://x"\n{key} = 1\n'.encode())
    with pytest.raises(ConfigError) as caught:
        config.load_profiles(config.profiles_path(env))
    assert "config.toml:3:" in caught.value.args[0] and "unknown setting" in caught.value.args[0]
    top = profiles(tmp_path, f"{key} = 1\n".encode())
    with pytest.raises(ConfigError, match=r"config\.toml:1: unknown setting"):
        config.load_profiles(config.profiles_path(top))


def test_many_profiles_parse_in_linear_time(tmp_path: Path) -> None:
    body = "".join(
        f'[profiles.p{i}]\naddress = "http://h{i}:8200"\ntimeout = "30s"\n' for i in range(16_000)
    )
    env = profiles(tmp_path, (body + "[profiles.last]\nbogus = 1\n").encode())
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"config\.toml:48002: profile 'last': unknown setting"):
        config.load_profiles(config.profiles_path(env))
    # Was 120 s (every line lookup rescanned the file); a linear pass is well under this.
    assert time.perf_counter() - started < 15
