"""OpenBao's external aws plugins: what they are, and how an operator registers them.

OpenBao has no built-in AWS secrets engine or AWS auth method (HashiCorp Vault has both).
OpenBao publishes them as external plugins; registered under the name ``aws`` they make
``type = "aws"`` work as on Vault. The dev server registers them itself (devserver.py);
``doctor`` and the wizard's target step print the commands for a server that lacks them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExternalPlugin:
    """One of OpenBao's external plugins, as ``shared/openbao-plugins`` ships it."""

    kind: str
    """``secret`` or ``auth``."""
    command: str
    sha256: str

    @property
    def packed(self) -> str:
        return f"{self.command}-linux-amd64.xz"


AWS_PLUGINS = (
    ExternalPlugin(
        "secret",
        "openbao-plugin-secrets-aws",
        "7293cde341d49813ed7a980fe26e93b9bc821d9ecc36ffd501ed28f6f056745d",
    ),
    ExternalPlugin(
        "auth",
        "openbao-plugin-auth-aws",
        "69f18388cb171983b461fa1c4c8a49b3963a9d9e34b78fb41232ea92c44b8dbb",
    ),
)
"""OpenBao has no built-in AWS secrets engine or AWS auth method; these two, registered
under the name ``aws``, make ``type = "aws"`` work as it does on HashiCorp Vault."""


def register_command(server_kind: str, kind: str) -> str:
    """The command that registers the ``kind`` (secret or auth) aws plugin on a server,
    once its binary is in the server's ``plugin_directory``."""
    plugin = next(p for p in AWS_PLUGINS if p.kind == kind)
    cli = "bao" if server_kind == "OpenBao" else "vault"
    return f"{cli} plugin register -sha256={plugin.sha256} -command={plugin.command} {kind} aws"
