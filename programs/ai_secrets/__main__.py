"""Entry point for `pulumi up` run by hand from this folder (see Pulumi.yaml)."""

from vault_console_programs.ai_secrets.program import main

main()
