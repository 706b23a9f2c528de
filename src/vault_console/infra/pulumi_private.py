"""The one private part of Pulumi's SDK the console relies on, with why.

``./dev test`` builds a Pulumi CLI only when the one on PATH is older than the SDK
accepts. The SDK checks that itself when it makes a ``PulumiCommand`` (and refuses), but
names the version only in a private module. ``tests/unit/test_private_apis.py`` fails when
it moves, so an SDK upgrade breaks a named test, not the set-up script.
"""

from __future__ import annotations


def minimum_cli_version() -> str:
    """The oldest Pulumi CLI this SDK drives (``3.x.y``)."""
    from pulumi.automation._minimum_version import _MINIMUM_VERSION

    return str(_MINIMUM_VERSION)


if __name__ == "__main__":  # ./dev: python -m vault_console.infra.pulumi_private
    print(minimum_cli_version())
