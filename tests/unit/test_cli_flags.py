"""Connection flags work before and after the subcommand, as the vault CLI's do."""

from __future__ import annotations

import pytest

from vault_console.cli import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--read-only"],
        ["--read-only", "demo"],
        ["doctor", "--read-only", "--address", "http://x:1"],
        ["--address", "http://x:1", "--read-only", "doctor"],
        ["preview", "--config", "c.toml", "--address", "http://x:1", "--read-only"],
    ],
)
def test_flags_on_either_side_of_the_subcommand(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.read_only is True
    if "--address" in argv:
        assert args.address == "http://x:1"


def test_a_flag_after_the_subcommand_wins_and_none_given_stays_unset() -> None:
    args = build_parser().parse_args(
        ["--address", "http://a:1", "doctor", "--address", "http://b:1"]
    )
    assert args.address == "http://b:1"
    args = build_parser().parse_args(["--address", "http://a:1", "doctor"])
    assert args.address == "http://a:1"  # not reset by the subcommand's default
    args = build_parser().parse_args(["demo"])
    assert args.read_only is None and args.address is None


def test_no_values_is_a_connection_flag_on_every_command() -> None:
    assert build_parser().parse_args(["show", "kv/a", "--no-values"]).no_values is True
    assert build_parser().parse_args(["--no-values"]).no_values is True


def test_the_demo_session_keeps_read_only_and_no_values() -> None:
    """Found by hand in tmux: `demo --no-values` revealed a value (only --read-only was
    passed on to the session's settings)."""
    from vault_console.cli import session_modes

    args = build_parser().parse_args(["demo", "--no-values", "--read-only"])
    flags = {name: getattr(args, name, None) for name in ("read_only", "no_values")}
    assert session_modes(flags) == {"read_only": True, "no_values": True}
