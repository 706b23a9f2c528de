"""A real OpenBao dev server holding nested namespaces, each with its own secret at the
same path (issue 26): ``team-a``, ``team-a/prod``, ``team-b`` and ``ünï`` each have an
``ai-models/`` KV v2 mount with ``prod/openai``, and the root namespace has a different
secret there. A test that answers about the wrong tenant reads the wrong value."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import settings_for
from vault_console.config import Settings
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

NAMESPACES = ("team-a", "team-a/prod", "team-b", "ünï")
SECRET = "prod/openai"


def value_in(namespace: str) -> str:
    """The api_key stored at ai-models/prod/openai in ``namespace`` ('' for root)."""
    return f"sk-{namespace or 'root'}-key"


@dataclass
class Tenants:
    server: DevServer

    def settings(self, namespace: str | None = None, **changes: object) -> Settings:
        settings = settings_for(self.server.address, self.server.root_token, **changes)
        return dataclasses.replace(settings, namespace=namespace or None)

    def gateway(self, namespace: str | None = None) -> VaultGateway:
        return VaultGateway(self.settings(namespace))


@pytest.fixture(scope="session")
def tenants() -> Iterator[Tenants]:
    with DevServer(plugins=False) as server:
        made = Tenants(server)
        for namespace in ("", *NAMESPACES):
            parent, _, name = namespace.rpartition("/")
            if name:
                with made.gateway(parent) as above:
                    above.adapter.post(f"/v1/sys/namespaces/{name}", json={})
            with made.gateway(namespace) as inside:
                inside.client.sys.enable_secrets_engine(
                    "kv", path="ai-models", options={"version": "2"}
                )
                inside.kv("ai-models", 2).write(SECRET, {"api_key": value_in(namespace)}, cas=0)
        yield made
