"""Pulumi programs of vault-console (installed as the ``vault_console_programs`` package)."""
