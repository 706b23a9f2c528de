"""Step 3: the components and their settings; secret values in masked inputs only."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select

from vault_console.screens.wizard.base import Field, WizardStep, field_id
from vault_console.text import plain
from vault_console.value_kinds import label
from vault_console_programs.ai_secrets.config import (
    CREDENTIAL_TYPES,
    AwsAuth,
    AwsSecretsEngine,
    ModelSecrets,
)

SECTIONS = {
    "model_secrets": "Model secrets: a KV v2 mount, the secrets and a read policy",
    "aws_secrets": "AWS secrets engine: short-lived AWS credentials for the AI service",
    "aws_auth": "AWS IAM auth: the AI service logs in with its IAM identity",
}


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _duration(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isdigit() else text


class SecretRow(Horizontal):
    """One key of one model secret: path, key name and value (masked, never saved)."""

    DEFAULT_CSS = "SecretRow { height: auto; } SecretRow > Field { width: 1fr; }"

    def __init__(self, index: int, path: str, key: str, value: str) -> None:
        super().__init__(classes="secret-row")
        self.index = index
        self.values = (path, key, value)

    def compose(self) -> ComposeResult:
        path, key, value = self.values
        base = f"model_secrets.rows[{self.index}]"
        yield Field("Secret path", f"{base}.path", path, placeholder="openai/api-key")
        yield Field("Key", f"{base}.key", key, placeholder="api_key")
        yield Field("Value", f"{base}.value", value, secret=True)

    def read(self) -> tuple[str, str, str]:
        path, key, value = (f.value for f in self.query(Field))
        return path.strip().strip("/"), key.strip(), value

    def on_mount(self) -> None:
        self._label_value()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.query(Field).last().input:
            self._label_value()

    def _label_value(self) -> None:
        """The value's kind and length beside its label, never what it holds."""
        value_field = self.query(Field).last()
        text = value_field.value
        shown = f"Value · {label(text)}" if text else "Value"
        value_field.query_one(".field-label", Label).update(plain(shown))


class ComponentsStep(WizardStep):
    title = "Components"
    prefixes = ("model_secrets", "aws_secrets", "aws_auth")

    def compose(self) -> ComposeResult:
        raw = self.state.answers.raw
        m = {**_defaults(ModelSecrets()), **raw.get("model_secrets", {})}
        s = {**_defaults(AwsSecretsEngine()), **raw.get("aws_secrets", {})}
        a = {**_defaults(AwsAuth()), **raw.get("aws_auth", {})}
        yield Label("", classes="step-problems")
        yield Checkbox(SECTIONS["model_secrets"], m["enabled"], id="on-model_secrets")
        with Vertical(id="sec-model_secrets", classes="component"):
            yield Field("KV v2 mount path", "model_secrets.mount_path", m["mount_path"])
            yield Field("Read policy name", "model_secrets.policy_name", m["policy_name"])
            with Vertical(id="secret-rows"):
                for index, (path, key) in enumerate(self._secret_keys()):
                    value = self.state.answers.secrets.get(
                        f'model_secrets.secrets."{path}".{key}', ""
                    )
                    yield SecretRow(index, path, key, value)
            yield Button("Add a key", id="add-secret")
        yield Checkbox(SECTIONS["aws_secrets"], s["enabled"], id="on-aws_secrets")
        with Vertical(id="sec-aws_secrets", classes="component"):
            yield Field("Mount path", "aws_secrets.path", s["path"])
            yield Field("Role name", "aws_secrets.role_name", s["role_name"])
            yield Label("Credential type", classes="field-label")
            yield Select(
                [(c, c) for c in CREDENTIAL_TYPES],
                value=s["credential_type"],
                allow_blank=False,
                id=field_id("aws_secrets.credential_type"),
            )
            yield Field(
                "Policy ARNs, comma-separated (iam_user)",
                "aws_secrets.policy_arns",
                _text(s["policy_arns"]),
                placeholder="arn:aws:iam::aws:policy/AmazonBedrockReadOnly",
            )
            yield Field(
                "Role ARNs Vault may assume, comma-separated (assumed_role)",
                "aws_secrets.role_arns",
                _text(s["role_arns"]),
            )
            yield Field(
                "Default lease TTL", "aws_secrets.default_lease_ttl", _text(s["default_lease_ttl"])
            )
            yield Field("Max lease TTL", "aws_secrets.max_lease_ttl", _text(s["max_lease_ttl"]))
            yield Field(
                "Root access key id (empty: Vault's own AWS identity)",
                "aws_secrets.access_key",
                _text(s["access_key"]),
            )
            yield Field(
                "Root secret key",
                "aws_secrets.secret_key",
                self.state.answers.secrets.get("aws_secrets.secret_key", ""),
                secret=True,
            )
        yield Checkbox(SECTIONS["aws_auth"], a["enabled"], id="on-aws_auth")
        with Vertical(id="sec-aws_auth", classes="component"):
            yield Field("Auth method path", "aws_auth.path", a["path"])
            yield Field("Role name", "aws_auth.role_name", a["role_name"])
            yield Field(
                "More token policies, comma-separated",
                "aws_auth.extra_policies",
                _text(a["extra_policies"]),
            )
            yield Field("Token TTL", "aws_auth.token_ttl", _text(a["token_ttl"]))
            yield Field("Token max TTL", "aws_auth.token_max_ttl", _text(a["token_max_ttl"]))

    def _secret_keys(self) -> list[tuple[str, str]]:
        secrets = self.state.answers.raw.get("model_secrets", {}).get("secrets") or {}
        keys = [(path, key) for path, data in secrets.items() for key in data]
        return keys or [("openai/api-key", "api_key")]

    def load(self) -> None:
        for section in SECTIONS:
            self.query_one(f"#sec-{section}").display = self.query_one(
                f"#on-{section}", Checkbox
            ).value

    def _value(self, name: str) -> str:
        return self.field(name).value

    def store(self) -> None:
        answers = self.state.answers
        raw = answers.raw
        for section in SECTIONS:
            raw.setdefault(section, {})["enabled"] = self.query_one(
                f"#on-{section}", Checkbox
            ).value
        m = raw["model_secrets"]
        m["mount_path"] = self._value("model_secrets.mount_path").strip()
        m["policy_name"] = self._value("model_secrets.policy_name").strip()
        m.pop("names", None)
        m["secrets"] = {}
        for name in [n for n in answers.secrets if n.startswith("model_secrets.")]:
            del answers.secrets[name]
        for row in self.query(SecretRow):
            path, key, value = row.read()
            if path or key or value:
                answers.set_model_secret(path, key, value)
        s = raw["aws_secrets"]
        s["path"] = self._value("aws_secrets.path").strip()
        s["role_name"] = self._value("aws_secrets.role_name").strip()
        s["credential_type"] = self.query_one(
            f"#{field_id('aws_secrets.credential_type')}", Select
        ).value
        s["policy_arns"] = _list(self._value("aws_secrets.policy_arns"))
        s["role_arns"] = _list(self._value("aws_secrets.role_arns"))
        s["default_lease_ttl"] = _duration(self._value("aws_secrets.default_lease_ttl"))
        s["max_lease_ttl"] = _duration(self._value("aws_secrets.max_lease_ttl"))
        access_key = self._value("aws_secrets.access_key").strip()
        if access_key:
            s["access_key"] = access_key
        else:
            s.pop("access_key", None)
        secret_key = self._value("aws_secrets.secret_key")
        if secret_key:
            answers.set_aws_secret_key(secret_key)
        else:
            s.pop("secret_key", None)
            answers.secrets.pop("aws_secrets.secret_key", None)
        a = raw["aws_auth"]
        a["path"] = self._value("aws_auth.path").strip()
        a["role_name"] = self._value("aws_auth.role_name").strip()
        a["extra_policies"] = _list(self._value("aws_auth.extra_policies"))
        a["token_ttl"] = _duration(self._value("aws_auth.token_ttl"))
        a["token_max_ttl"] = _duration(self._value("aws_auth.token_max_ttl"))

    def problems(self) -> dict[str, str]:
        found = super().problems()
        raw = self.state.answers.raw
        enabled = [s for s in SECTIONS if raw.get(s, {}).get("enabled", True)]
        if not enabled:
            found["components"] = "turn on at least one component"
        for section in SECTIONS:
            if section not in enabled:
                found = {k: v for k, v in found.items() if not k.startswith(section)}
        if "model_secrets" in enabled:
            rows = list(self.query(SecretRow))
            # The setup model's problems about a secret go under the row that holds it:
            # its path (not a secret path, named like another) or its value. An unset
            # value's problem is the emptiness check's below.
            model = {k: v for k, v in found.items() if k.startswith("model_secrets.secrets")}
            found = {k: v for k, v in found.items() if k not in model}
            placed: set[str] = set()
            for row in rows:
                path, key, _ = row.read()
                base = f"model_secrets.rows[{row.index}]"
                for name, part in (
                    (f"model_secrets.secrets.{path}", "path"),
                    (f"model_secrets.secrets.{path}.{key}", "value"),
                    (f'model_secrets.secrets."{path}".{key}', "value"),
                ):
                    if name in model:
                        placed.add(name)
                        if not model[name].startswith("environment variable"):
                            found[f"{base}.{part}"] = model[name]
            found.update({k: v for k, v in model.items() if k not in placed})
            seen: set[tuple[str, str]] = set()
            for row in rows:
                path, key, value = row.read()
                base = f"model_secrets.rows[{row.index}]"
                if not (path or key or value):
                    continue
                if not path:
                    found[f"{base}.path"] = "is empty"
                if not key:
                    found[f"{base}.key"] = "is empty"
                elif (path, key) in seen:
                    found[f"{base}.key"] = f"{key!r} is given twice for {path!r}"
                seen.add((path, key))
                if not value:
                    found[f"{base}.value"] = (
                        "is empty: saved answers never hold values, type it again"
                        if self.state.answers.loaded
                        else "is empty"
                    )
            if not seen:
                found["model_secrets.rows[0].path"] = "add at least one secret"
        return found

    @on(Checkbox.Changed)
    def _toggled(self, event: Checkbox.Changed) -> None:
        self.state.changed = True
        section = (event.checkbox.id or "").removeprefix("on-")
        self.query_one(f"#sec-{section}").display = event.value

    @on(Button.Pressed, "#add-secret")
    async def _add_row(self) -> None:
        rows = self.query_one("#secret-rows")
        index = max((r.index for r in self.query(SecretRow)), default=-1) + 1
        last = list(self.query(SecretRow))
        path = last[-1].read()[0] if last else ""
        row = SecretRow(index, path, "", "")
        await rows.mount(row)
        fields = list(row.query(Field))
        (fields[1] if path else fields[0]).input.focus()


def _defaults(spec: Any) -> dict[str, Any]:
    return {k: getattr(spec, k) for k in spec.__dataclass_fields__}
