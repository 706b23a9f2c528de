"""After an apply: read back what the stack made, and prove the AWS components work the
way the AI service will use them (the wizard's result step and ``up --verify``).

- The secrets engine: a credential read from ``<path>/creds/<role>``, confirmed by STS at
  the configured endpoint, its lease revoked, and (``iam_user``) the IAM user gone again.
- The auth method: a login of the bound principal with the iam method, the token's
  policies and TTL, what it may read (``sys/capabilities-self``), then the token revoked.

Each check returns one line for the operator and raises ``ProofFailed`` when something
does not hold. Keys and tokens are used, never shown, logged or kept.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from vault_console.config import Token
from vault_console.vault.client import VaultGateway
from vault_console_programs.ai_secrets.config import StackConfig

T = TypeVar("T")

#: Seconds to wait between STS tries. A new IAM user's key takes seconds to be valid on
#: AWS (eventual consistency); about 15 s in all, then the check says it gave up.
STS_DELAYS = (1.0, 2.0, 4.0, 8.0)
#: What STS answers while a new key is not valid yet.
_NOT_YET_VALID = {"InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"}


class ProofFailed(Exception):
    """A check ran and what it proves does not hold."""


def retry(
    call: Callable[[], T],
    retriable: Callable[[BaseException], bool],
    delays: Sequence[float] = STS_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[T, int]:
    """``call()`` and how many tries it took; a retriable error is tried again after each
    of ``delays``, then raised."""
    for tries, delay in enumerate([*delays, None], start=1):
        try:
            return call(), tries
        except Exception as exc:
            if delay is None or not retriable(exc):
                raise
            sleep(delay)
    raise AssertionError("unreachable")


def _error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    return str((response or {}).get("Error", {}).get("Code", "")) if response else ""


def _aws_client(service: str, region: str, endpoint: str | None, **credentials: Any) -> Any:
    import boto3

    from vault_console.infra.aws import client_config

    return boto3.client(
        service, region_name=region, endpoint_url=endpoint, config=client_config(), **credentials
    )


def aws_credentials_check(
    gateway: VaultGateway,
    config: StackConfig,
    session: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """A credential made, confirmed with STS, its lease revoked, its IAM user gone.

    ``session`` (the operator's boto3 session) confirms the user is gone; without one,
    boto3's default chain is used, and when that cannot ask IAM the line says so.
    """
    engine = config.aws_secrets
    answer = gateway.generate_credentials(f"{engine.path}/creds/{engine.role_name}")
    lease = answer.get("lease_id", "")
    data = answer["data"]
    sts = _aws_client(
        "sts",
        engine.region,
        engine.sts_endpoint,
        aws_access_key_id=data["access_key"],
        aws_secret_access_key=data["secret_key"],
        aws_session_token=data.get("security_token"),
    )
    del data, answer  # the key is not kept past this call
    try:
        try:
            identity, tries = retry(
                sts.get_caller_identity,
                lambda e: _error_code(e) in _NOT_YET_VALID,
                sleep=sleep,
            )
        except Exception as exc:
            code = _error_code(exc)
            if code in _NOT_YET_VALID:
                waited = sum(STS_DELAYS)
                raise ProofFailed(
                    f"STS still refused the new key ({code}) after {len(STS_DELAYS) + 1} tries "
                    f"over {waited:.0f} s; gave up (a new IAM key can take longer on AWS)"
                ) from None
            raise
    finally:
        if lease:
            gateway.revoke_lease(lease)
    arn = str(identity["Arn"])
    after = f" after {tries} tries" if tries > 1 else ""
    line = f"STS says {arn}{after}; lease revoked"
    if engine.credential_type == "iam_user" and ":user/" in arn:
        line += "; " + _user_gone(
            arn.rsplit("/", 1)[-1], engine.region, engine.iam_endpoint, session
        )
    return line


def _user_gone(user: str, region: str, endpoint: str | None, session: Any) -> str:
    import botocore.exceptions

    try:
        if session is not None:
            iam = session.client("iam", region_name=region, endpoint_url=endpoint)
        else:
            iam = _aws_client("iam", region, endpoint)
        iam.get_user(UserName=user)
    except botocore.exceptions.ClientError as exc:
        if _error_code(exc) == "NoSuchEntity":
            return f"IAM user {user} removed"
        return f"IAM user removal not confirmed ({_error_code(exc) or exc})"
    except botocore.exceptions.BotoCoreError as exc:
        return f"IAM user removal not confirmed ({exc})"
    raise ProofFailed(f"the lease was revoked but IAM user {user} still exists")


def principal_credentials(session: Any, role_arn: str, endpoint: str | None) -> Mapping[str, str]:
    """Credentials of the bound role through ``sts:AssumeRole`` with the operator's session
    (in the demo, moto's role). Raises when AWS refuses (the role's trust policy decides)."""
    sts = session.client("sts", endpoint_url=endpoint)
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="vault-console-login-check")
    return dict(answer["Credentials"])


def aws_login_check(
    gateway: VaultGateway, config: StackConfig, credentials: Mapping[str, Any]
) -> str:
    """Log in as the bound principal, show the token's policies and TTL, check it reads the
    model secrets and not the probes below, then revoke it."""
    auth = config.aws_auth
    login = gateway.aws_iam_login(
        credentials, role=auth.role_name, region=auth.sts_region or "us-east-1", mount=auth.path
    )
    as_token = VaultGateway(
        dataclasses.replace(gateway.settings, token=Token(login["client_token"]))
    )
    try:
        wanted, probes = _login_paths(config)
        capabilities = as_token.capabilities_self(wanted + probes)
    finally:
        try:
            as_token.revoke_own_token()
        finally:
            as_token.close()
    policies = ", ".join(login.get("policies") or []) or "none"
    ttl = int(login.get("lease_duration") or 0)
    cannot = [p for p in wanted if "read" not in capabilities[p] and "root" not in capabilities[p]]
    beyond = [p for p in probes if set(capabilities[p]) - {"deny"}]
    if cannot or beyond:
        problems = [f"cannot read {p}" for p in cannot] + [f"may also use {p}" for p in beyond]
        raise ProofFailed("; ".join(problems) + f" (policies {policies}); token revoked")
    reads = ", ".join(p.replace("/data/", "/", 1) for p in wanted) or "nothing asked"
    return (
        f"logged in: policies {policies}, TTL {ttl} s; reads {reads}; "
        f"none of {len(probes)} other paths; token revoked"
    )


def _login_paths(config: StackConfig) -> tuple[list[str], list[str]]:
    """The model secrets the token must read, and paths it must not touch."""
    spec = config.model_secrets
    wanted = [f"{spec.mount_path}/data/{name}" for name in spec.names] if spec.enabled else []
    probes = ["sys/mounts", "sys/policies/acl/default", "secret/data/vault-console-probe"]
    if spec.enabled:
        probes.append(f"{spec.mount_path}/data/vault-console-probe-not-a-model-secret")
    if config.aws_secrets.enabled:
        probes.append(f"{config.aws_secrets.path}/creds/{config.aws_secrets.role_name}")
    return wanted, probes


# -- after the apply: read back what was made -----------------------------------------------


@dataclass(frozen=True)
class Verification:
    what: str
    ok: bool
    detail: str
    checked: bool = True
    """False: the check could not run here (``detail`` says why); neither passed nor failed."""

    @property
    def mark(self) -> str:
        return "○" if not self.checked else "✔" if self.ok else "✖"

    @property
    def line(self) -> str:
        return f"{self.mark} {self.what}: {self.detail}"


def verify(
    gateway: VaultGateway, config: StackConfig, aws_session: Any = None
) -> list[Verification]:
    """Read back what the stack made through hvac (metadata only, never a secret value),
    then prove the AWS components (``infra.proof``); ``aws_session`` is the operator's boto3
    session from the AWS step, used to confirm a generated IAM user is gone and to get the
    bound principal's credentials for a login."""
    client = gateway.client
    found: list[Verification] = []

    def check(what: str, read: Callable[[], str]) -> None:
        found.append(_checked(what, read))

    spec = config.model_secrets
    if spec.enabled:
        for name in spec.names:

            def metadata(name: str = name) -> str:
                meta = client.secrets.kv.v2.read_secret_metadata(name, mount_point=spec.mount_path)
                data = meta["data"]
                current = data["current_version"]
                # The current version's own time: the metadata's created_time is version 1's.
                written = (data.get("versions") or {}).get(str(current), {}).get("created_time")
                return (
                    f"version {current}, written {str(written or data['created_time'])[:19]}Z "
                    "(value not read)"
                )

            check(f"secret {spec.mount_path}/{name}", metadata)

        def policy() -> str:
            rules = client.sys.read_policy(spec.policy_name)["data"]["rules"]
            from vault_console_programs.ai_secrets.program import read_policy_hcl

            same = rules == read_policy_hcl(spec.mount_path, list(spec.names))
            if not same:
                raise ValueError("the policy on the server differs from the reviewed one")
            return "matches the reviewed HCL"

        check(f"policy {spec.policy_name}", policy)
    if config.aws_auth.enabled:
        auth = config.aws_auth

        def role() -> str:
            data = client.read(f"auth/{auth.path}/role/{auth.role_name}")["data"]
            bound = ", ".join(data.get("bound_iam_principal_arn") or []) or "none"
            policies = ", ".join(data.get("token_policies") or []) or "none"
            return f"auth_type {data.get('auth_type')}, bound to {bound}, policies {policies}"

        check(f"auth role {auth.path}/{auth.role_name}", role)
    if config.aws_secrets.enabled:
        check(
            f"AWS credentials from {config.aws_secrets.path}/creds/{config.aws_secrets.role_name}",
            lambda: aws_credentials_check(gateway, config, aws_session),
        )
    if config.aws_auth.enabled:
        found.append(_login(gateway, config, aws_session))
    return found


def _login(gateway: VaultGateway, config: StackConfig, aws_session: Any) -> Verification:
    """The bound principal's login, when its credentials can be had (sts:AssumeRole)."""
    auth = config.aws_auth
    what = f"AWS login at auth/{auth.path} as role {auth.role_name}"
    principal = auth.bound_principal_arn
    if aws_session is None or not principal or ":role/" not in principal:
        reason = "no AWS session" if aws_session is None else f"{principal} is not a role"
        return Verification(what, True, f"not checked: {reason} to log in as", checked=False)
    try:
        credentials = principal_credentials(aws_session, principal, auth.sts_endpoint)
    except Exception as exc:  # the role's trust policy decides; not a failure of the stack
        return Verification(
            what, True, f"not checked: sts:AssumeRole of {principal} refused ({exc})", False
        )
    return _checked(what, lambda: aws_login_check(gateway, config, credentials))


def _checked(what: str, read: Callable[[], str]) -> Verification:
    """``read()``'s line, or its failure: each check reports its own; none stops the rest."""
    try:
        return Verification(what, True, read())
    except ProofFailed as exc:
        return Verification(what, False, str(exc))
    except Exception as exc:
        from vault_console.errors import describe

        problem = describe(exc)
        return Verification(what, False, f"{problem.title}: {problem.message}")
