"""Settings precedence and the profiles file, as the vault CLI users expect them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_console import config
from vault_console.config import ConfigError, resolve

NO_HOME = Path("/nonexistent")


def write_profiles(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return {config.CONFIG_ENV: str(path)}


@pytest.mark.parametrize(
    ("env", "flags", "expected"),
    [
        ({}, {}, config.DEFAULT_ADDRESS),
        ({"VAULT_ADDR": "http://v:8200"}, {}, "http://v:8200"),
        ({"BAO_ADDR": "http://b:8200"}, {}, "http://b:8200"),
        ({"VAULT_ADDR": "http://v:8200", "BAO_ADDR": "http://b:8200"}, {}, "http://b:8200"),
        ({"VAULT_ADDR": "http://v:8200"}, {"address": "http://f:1"}, "http://f:1"),
        ({"BAO_ADDR": "http://b:8200"}, {"address": "http://f:1"}, "http://f:1"),
        ({"VAULT_ADDR": "http://v:8200/"}, {}, "http://v:8200"),
        ({"BAO_ADDR": ""}, {}, config.DEFAULT_ADDRESS),
    ],
)
def test_address_precedence(env: dict[str, str], flags: dict[str, str], expected: str) -> None:
    assert resolve(flags=flags, env=env, home=NO_HOME).address == expected


@pytest.mark.parametrize(
    ("env", "expected_source"),
    [
        ({"VAULT_TOKEN": "v-token"}, "VAULT_TOKEN"),
        ({"BAO_TOKEN": "b-token"}, "BAO_TOKEN"),
        ({"BAO_TOKEN": "b-token", "VAULT_TOKEN": "v-token"}, "BAO_TOKEN"),
    ],
)
def test_token_from_env(env: dict[str, str], expected_source: str) -> None:
    settings = resolve(env=env, home=NO_HOME)
    assert settings.token_source == expected_source
    assert settings.token is not None
    assert settings.token.reveal() == env[expected_source]


def test_token_file_is_the_last_resort(tmp_path: Path) -> None:
    (tmp_path / ".vault-token").write_text("file-token\n", encoding="utf-8")
    from_file = resolve(env={}, home=tmp_path)
    assert from_file.token is not None and from_file.token.reveal() == "file-token"
    assert from_file.token_source.endswith(".vault-token")
    from_env = resolve(env={"VAULT_TOKEN": "env-token"}, home=tmp_path)
    assert from_env.token is not None and from_env.token.reveal() == "env-token"


def test_no_token_anywhere() -> None:
    settings = resolve(env={}, home=NO_HOME)
    assert settings.token is None and settings.token_source == "none"


def test_token_never_prints() -> None:
    settings = resolve(env={"VAULT_TOKEN": "hvs.super-secret"}, home=NO_HOME)
    assert "super-secret" not in repr(settings)
    assert "super-secret" not in str(settings.token)
    assert "super-secret" not in f"{settings.token}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("T", True), ("0", False), ("false", False), ("F", False)],
)
def test_skip_verify_parses_like_go(value: str, expected: bool) -> None:
    assert resolve(env={"VAULT_SKIP_VERIFY": value}, home=NO_HOME).skip_verify is expected


def test_skip_verify_rejects_junk_and_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"BAO_SKIP_VERIFY: 'yes please' is not a boolean"):
        resolve(env={"BAO_SKIP_VERIFY": "yes please"}, home=NO_HOME)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("30", 30.0), ("30s", 30.0), ("2m", 120.0), ("1m30s", 90.0), ("1.5", 1.5)],
)
def test_timeout_forms(value: str, seconds: float) -> None:
    assert resolve(env={"VAULT_CLIENT_TIMEOUT": value}, home=NO_HOME).timeout == seconds


@pytest.mark.parametrize("value", ["soon", "-5", "0", "10parsecs"])
def test_bad_timeout_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="VAULT_CLIENT_TIMEOUT"):
        resolve(env={"VAULT_CLIENT_TIMEOUT": value}, home=NO_HOME)


def test_bad_address_names_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"--address: 'vault:8200' is not an http"):
        resolve(flags={"address": "vault:8200"}, env={}, home=NO_HOME)


def test_tls_and_namespace_from_env_with_bao_first(tmp_path: Path) -> None:
    for name in ("ca.pem", "c.pem", "k.pem"):
        (tmp_path / name).write_text("PEM")
    (tmp_path / "cas").mkdir()
    env = {
        "VAULT_NAMESPACE": "team-v",
        "BAO_NAMESPACE": "team-b",
        "VAULT_CACERT": f"{tmp_path}/ca.pem",
        "VAULT_CAPATH": f"{tmp_path}/cas",
        "VAULT_CLIENT_CERT": f"{tmp_path}/c.pem",
        "VAULT_CLIENT_KEY": f"{tmp_path}/k.pem",
    }
    settings = resolve(env=env, home=NO_HOME)
    assert settings.namespace == "team-b"
    assert (settings.ca_cert, settings.ca_path) == (f"{tmp_path}/ca.pem", f"{tmp_path}/cas")
    assert (settings.client_cert, settings.client_key) == (f"{tmp_path}/c.pem", f"{tmp_path}/k.pem")


@pytest.mark.parametrize("variable", ["VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY", "VAULT_CACERT"])
def test_a_missing_certificate_file_names_the_variable_and_the_file(variable: str) -> None:
    with pytest.raises(ConfigError, match=rf"{variable}: '/nope/x.pem' is not a file that exists"):
        resolve(env={variable: "/nope/x.pem"}, home=NO_HOME)


def test_an_address_with_a_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(env={"VAULT_ADDR": "http://admin:S3CRET-PW@vault.example:8200"}, home=NO_HOME)
    said = str(caught.value)
    assert said.startswith("VAULT_ADDR: an address with a user name or password in it is refused")
    assert "'http://vault.example:8200' without them" in said
    assert "S3CRET-PW" not in said and "admin" not in said


def test_an_address_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"VAULT_ADDR: .* holds a space or a control character"):
        resolve(env={"VAULT_ADDR": "http://127.0.0.1:8200\n"}, home=NO_HOME)


@pytest.mark.parametrize("value", ["team-a\n", "team\r-a", "a\x1bb"])
def test_a_namespace_with_a_control_character_names_the_variable_not_the_value(
    value: str,
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(env={"VAULT_NAMESPACE": value}, home=NO_HOME)
    assert str(caught.value).startswith("VAULT_NAMESPACE: the namespace holds a control character")
    assert value.strip() not in str(caught.value)


def test_a_namespace_outside_ascii_is_kept() -> None:
    assert resolve(env={"VAULT_NAMESPACE": "ünï/emoji😀"}, home=NO_HOME).namespace == "ünï/emoji😀"


@pytest.mark.parametrize(("size", "said"), [(70 * 1024, "64 KiB"), (1024 * 1024, "64 KiB")])
def test_a_token_file_over_the_limit_is_said_to_be_ignored(
    tmp_path: Path, size: int, said: str
) -> None:
    (tmp_path / ".vault-token").write_text("s." + "x" * size)
    settings = resolve(env={}, home=tmp_path)
    assert settings.token is None
    assert settings.token_source == (
        f"none: {tmp_path}/.vault-token was ignored (larger than {said}; not read)"
    )
    from vault_console.errors import no_token_error

    message = no_token_error(settings.token_source).message
    assert message.startswith(f"No token is set ({tmp_path}/.vault-token was ignored (larger")


PROFILES = """
[profiles.prod]
address = "https://vault.prod.example:8200"
namespace = "ai"
read_only = true
token_env = "PROD_VAULT_TOKEN"
timeout = "45s"

[profiles.lab]
address = "http://127.0.0.1:8200"
"""


def test_profile_beats_env_and_flags_beat_profile(tmp_path: Path) -> None:
    env = write_profiles(tmp_path, PROFILES) | {
        "VAULT_ADDR": "http://from-env:1",
        "VAULT_NAMESPACE": "env-ns",
        "PROD_VAULT_TOKEN": "prod-token",
        "VAULT_TOKEN": "ambient-token",
    }
    prod = resolve(env=env, profile_name="prod", home=NO_HOME)
    assert prod.address == "https://vault.prod.example:8200"
    assert prod.namespace == "ai"
    assert prod.read_only is True
    assert prod.timeout == 45.0
    assert prod.token is not None and prod.token.reveal() == "prod-token"
    assert prod.token_source == "PROD_VAULT_TOKEN"
    flagged = resolve(
        flags={"address": "http://flag:2"}, env=env, profile_name="prod", home=NO_HOME
    )
    assert flagged.address == "http://flag:2"
    assert flagged.namespace == "ai"
    lab = resolve(env=env, profile_name="lab", home=NO_HOME)
    assert lab.namespace == "env-ns"  # not in the profile, so the environment fills it in
    assert lab.token is not None and lab.token.reveal() == "ambient-token"
    assert lab.read_only is False


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    env = write_profiles(tmp_path, PROFILES)
    with pytest.raises(ConfigError, match=r"'staging' is not in .*\(profiles: lab, prod\)"):
        resolve(env=env, profile_name="staging", home=NO_HOME)


def test_missing_profiles_file_means_no_profiles(tmp_path: Path) -> None:
    assert config.load_profiles(tmp_path / "absent.toml") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[profiles.a]\naddress = "http://x"\nadress = "typo"\n',
            r":3: profile 'a': unknown setting 'adress'",
        ),
        (
            '[profiles.a]\n\nread_only = "yes"\n',
            r":3: profile 'a': read_only must be true or false",
        ),
        (
            '[profiles.a]\naddress = "ftp://x"\n',
            r":2: profile 'a': address: 'ftp://x' is not an http",
        ),
        (
            '[profiles.a]\ntimeout = "forever"\n',
            r":2: profile 'a': timeout: 'forever' is not a duration",
        ),
        ("[profiles.a]\naddress = 8200\n", r":2: profile 'a': address must be a string"),
        ('[profiles.a\naddress = "x"\n', r"line 1"),
        ('[profile.a]\naddress = "http://x"\n', r":1: unknown setting 'profile'"),
    ],
)
def test_bad_profiles_file_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    env = write_profiles(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        config.load_profiles(Path(env[config.CONFIG_ENV]))


def test_xdg_paths() -> None:
    env = {"XDG_CONFIG_HOME": "/cfg", "XDG_STATE_HOME": "/state"}
    assert config.profiles_path(env) == Path("/cfg/vault-console/config.toml")
    assert config.state_dir(env) == Path("/state/vault-console")
    assert config.profiles_path({config.CONFIG_ENV: "/elsewhere.toml"}) == Path("/elsewhere.toml")


def test_values_false_on_a_profile_or_the_flag_turns_values_off(tmp_path: Path) -> None:
    env = write_profiles(tmp_path, '[profiles.audit]\naddress = "http://a:1"\nvalues = false\n')
    assert resolve(env=env, profile_name="audit", home=NO_HOME).no_values is True
    assert resolve(env=env, home=NO_HOME).no_values is False
    assert resolve(flags={"no_values": True}, env=env, home=NO_HOME).no_values is True


def test_clipboard_clear_is_set_per_profile_and_zero_turns_it_off(tmp_path: Path) -> None:
    env = write_profiles(
        tmp_path,
        '[profiles.fast]\nclipboard_clear = "10s"\n[profiles.off]\nclipboard_clear = 0\n'
        '[profiles.bad]\nclipboard_clear = "soon"\n',
    )
    assert resolve(env=env, home=NO_HOME).clipboard_clear == 30.0
    assert resolve(env=env, profile_name="fast", home=NO_HOME).clipboard_clear == 10.0
    assert resolve(env=env, profile_name="off", home=NO_HOME).clipboard_clear == 0.0
    with pytest.raises(ConfigError, match="clipboard_clear: 'soon' is not a duration"):
        resolve(env=env, profile_name="bad", home=NO_HOME)


def test_a_profile_names_one_audit_file_per_node(tmp_path: Path) -> None:
    env = write_profiles(
        tmp_path,
        '[profiles.c]\naddress = "http://n1:8200"\n'
        '[profiles.c.audit_logs]\nnode1 = "/var/log/n1.log"\nnode2 = "~/n2.log"\n',
    )
    settings = resolve(env=env, profile_name="c", home=NO_HOME)
    assert settings.audit_logs == (
        ("node1", "/var/log/n1.log"),
        ("node2", str(Path("~/n2.log").expanduser())),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("audit_logs = []", r":2: profile 'c': audit_logs must be a table of node = \"path\""),
        ("audit_logs = {}", r":2: profile 'c': audit_logs: name one or more nodes"),
        ("audit_logs = { n1 = 3 }", r"audit_logs\.n1: the path of that node's audit file"),
        ('audit_logs = { "" = "/x" }', r"audit_logs: '' is not a node name"),
        ('audit_logs = { "a\\nb" = "/x" }', r"audit_logs: 'a\\x0ab' is not a node name"),
    ],
)
def test_bad_audit_logs_are_named(tmp_path: Path, body: str, message: str) -> None:
    env = write_profiles(tmp_path, f"[profiles.c]\n{body}\n")
    with pytest.raises(ConfigError, match=message):
        resolve(env=env, profile_name="c", home=NO_HOME)
