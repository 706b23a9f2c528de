from vault_console.cli import main

raise SystemExit(main())
