"""A realistic layout of AI-model secrets for the demo server.

Values are random and fake; they look like provider keys so masking can be judged.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import hvac

AI_MOUNT = "ai-models"
LEGACY_MOUNT = "legacy-kv"

PROVIDERS = {
    "openai": ("sk-proj-", ["gpt-4o", "gpt-4o-mini"]),
    "anthropic": ("sk-ant-api03-", ["claude-sonnet", "claude-haiku"]),
    "mistral": ("", ["mistral-large"]),
    "cohere": ("co-", ["command-r-plus"]),
}
ENVIRONMENTS = ("prod", "staging", "dev")
OWNERS = {"prod": "ml-platform", "staging": "ml-platform", "dev": "research"}

POLICIES = {
    "ai-models-read": """
# Inference services read provider keys; they cannot list other teams' folders.
path "ai-models/data/prod/*" {
  capabilities = ["read"]
}
path "ai-models/metadata/prod/*" {
  capabilities = ["read", "list"]
}
""",
    "ai-models-admin": """
path "ai-models/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
path "sys/mounts" {
  capabilities = ["read"]
}
""",
    "research-dev": """
path "ai-models/data/dev/*" {
  capabilities = ["create", "read", "update", "list"]
}
path "ai-models/metadata/dev/*" {
  capabilities = ["read", "list"]
}
path "ai-models/metadata/" {
  capabilities = ["list"]
}
path "ai-models/metadata/prod/*" {
  capabilities = ["deny"]
}
""",
}


def _fake_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(30)


def seed(client: hvac.Client) -> None:
    """Create the demo mounts, secrets, transit key, approle and policies."""
    sys = client.sys
    sys.enable_secrets_engine(
        "kv",
        path=AI_MOUNT,
        options={"version": "2"},
        description="Provider API keys for AI models, per environment",
    )
    sys.enable_secrets_engine(
        "kv",
        path=LEGACY_MOUNT,
        options={"version": "1"},
        description="Old batch-scoring credentials (KV v1)",
    )
    sys.enable_secrets_engine("transit", path="transit", description="Model artefact signing")
    client.secrets.transit.create_key(name="model-signing", key_type="ed25519")
    sys.enable_auth_method("approle", path="approle", description="Inference services")
    for name, rules in POLICIES.items():
        sys.create_or_update_policy(name=name, policy=rules.strip() + "\n")
    client.auth.approle.create_or_update_approle(
        role_name="inference-api",
        token_policies=["ai-models-read"],
        token_ttl="1h",
        token_max_ttl="4h",
    )

    kv = client.secrets.kv.v2
    today = datetime.now(UTC).date()
    for env_index, env in enumerate(ENVIRONMENTS):
        for provider, (prefix, models) in PROVIDERS.items():
            path = f"{env}/{provider}"
            kv.create_or_update_secret(
                path=path,
                secret={"api_key": _fake_key(prefix), "organization": f"org-{env}-{provider}"},
                mount_point=AI_MOUNT,
            )
            rotate_by = today + timedelta(days=30 * (env_index + 1) - 45)
            kv.update_metadata(
                path=path,
                mount_point=AI_MOUNT,
                custom_metadata={
                    "owner": OWNERS[env],
                    "provider": provider,
                    "model": ",".join(models),
                    "rotate-by": rotate_by.isoformat(),
                },
            )
    # A rotated key: three versions, the first soft-deleted.
    for _ in range(2):
        kv.create_or_update_secret(
            path="prod/openai",
            secret={"api_key": _fake_key("sk-proj-"), "organization": "org-prod-openai"},
            mount_point=AI_MOUNT,
        )
    kv.delete_secret_versions(path="prod/openai", versions=[1], mount_point=AI_MOUNT)
    kv.create_or_update_secret(
        path="prod/vector-db/pinecone",
        secret={"api_key": _fake_key("pcsk_"), "environment": "us-east-1-aws"},
        mount_point=AI_MOUNT,
    )
    kv.create_or_update_secret(
        path="shared/huggingface",
        secret={"token": _fake_key("hf_")},
        mount_point=AI_MOUNT,
    )
    client.secrets.kv.v1.create_or_update_secret(
        path="batch/scoring-db",
        secret={"username": "scoring", "password": secrets.token_urlsafe(18)},
        mount_point=LEGACY_MOUNT,
    )
    client.secrets.kv.v1.create_or_update_secret(
        path="batch/feature-store",
        secret={"dsn": f"postgresql://features:{secrets.token_urlsafe(12)}@db:5432/features"},
        mount_point=LEGACY_MOUNT,
    )


def limited_token(client: hvac.Client, policy: str = "research-dev") -> str:
    """A short-lived token with one policy, for trying what a 403 looks like."""
    created = client.auth.token.create(policies=[policy], ttl="1h", display_name=policy)
    return str(created["auth"]["client_token"])
