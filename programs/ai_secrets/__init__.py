"""The AI-secrets stack: AWS secrets engine, AWS IAM auth, KV v2 model secrets."""
