"""Write screenshots/*.svg from the real app on a freshly seeded OpenBao dev server.

    python scripts/screenshots.py

Uses make_app (the CLI's factory) and the scenes the snapshot tests use. The setup wizard's
steps and the destroy screen run the real Pulumi CLI (``pulumi`` on PATH, as ``./dev test``
builds it) with the vault provider from shared/pulumi-plugins; without a CLI they are left
out and the script says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")  # no half-drawn tab underlines

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from tests.conftest import install_vault_plugin  # noqa: E402
from tests.infra.moto import boto3_env, running_moto  # noqa: E402
from tests.snapshots.scenes import (  # noqa: E402
    SCENES,
    SCREENSHOT_ONLY,
    STRUCTURE_ONLY_POLICY,
)
from tests.snapshots.wizard_scenes import WIZARD_SCENES, result, wizard_env  # noqa: E402
from vault_console.app import VaultConsoleApp, make_app  # noqa: E402
from vault_console.config import Settings, with_token  # noqa: E402
from vault_console.infra.plan import load_plan  # noqa: E402
from vault_console.screens.plan import PlanViewerApp  # noqa: E402
from vault_console.screens.wizard.destroy import DestroyScreen  # noqa: E402
from vault_console.vault import demo_seed  # noqa: E402
from vault_console.vault.client import VaultGateway  # noqa: E402
from vault_console.vault.devcluster import DevCluster  # noqa: E402
from vault_console.vault.devserver import DevServer  # noqa: E402
from vault_console_programs.ai_secrets.program import trust_policy  # noqa: E402

SIZE = (120, 34)


async def shoot(out: Path) -> list[Path]:
    written = []
    # A stock server, as the snapshot tests use: the wizard's scenes skip the AWS
    # components there (the target step offers it), so the screens need no AWS endpoints.
    with DevServer(plugins=False) as server:
        settings = server.settings()
        gateway = VaultGateway(settings)
        demo_seed.seed(gateway.client)
        auditor = gateway.client
        auditor.sys.create_or_update_policy("structure-only", STRUCTURE_ONLY_POLICY)
        token = auditor.auth.token.create(policies=["structure-only"], ttl="1h")
        structure_only = with_token(settings, token["auth"]["client_token"])
        auditor.sys.enable_auth_method("userpass")  # the login scene's refused password
        auditor.write("auth/userpass/users/ana", password="correct horse", policies="default")
        quiet = dataclasses.replace(settings, clipboard_clear=0.0)
        scenes = {**SCENES, **SCREENSHOT_ONLY}
        for name, scene in scenes.items():
            app = make_app(structure_only if name == "disabled-action" else quiet)
            async with app.run_test(size=SIZE) as pilot:
                await scene(pilot, gateway)
                path = out / f"{name}.svg"
                app.save_screenshot(filename=path.name, path=str(out))
                written.append(path)
        cli = shutil.which("pulumi")
        if cli is None:
            print("no `pulumi` on PATH: the wizard screenshots are left out", file=sys.stderr)
        else:
            written += await shoot_wizard(out, settings, gateway, cli)
        gateway.close()
    written.append(await shoot_cluster(out))
    written += await shoot_namespaces(out)
    log = ROOT.parent / "shared" / "fixtures" / "pulumi-events" / "webserver-userdata.json"
    if log.exists():
        viewer = PlanViewerApp(load_plan(log), log.name)
        async with viewer.run_test(size=SIZE) as pilot:
            await pilot.press("down", "down")
            await pilot.pause()
            viewer.save_screenshot(filename="plan-viewer.svg", path=str(out))
            written.append(out / "plan-viewer.svg")
    return written


async def shoot_cluster(out: Path) -> Path:
    """Review > Cluster on a real 3-node raft cluster, seen from a standby."""
    with DevCluster() as cluster:
        gateway = VaultGateway(cluster.settings())
        demo_seed.seed(gateway.client)
        gateway.close()
        app = make_app(dataclasses.replace(cluster.settings(cluster.nodes[1]), clipboard_clear=0.0))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            await pilot.press("4")
            await pilot.pause(1.0)
            await pilot.press("C")
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            app.save_screenshot(filename="cluster.svg", path=str(out))
    return out / "cluster.svg"


async def shoot_namespaces(out: Path) -> list[Path]:
    """A secret in a namespace (the header names it) and the namespace switcher."""
    with DevServer(plugins=False) as server:
        settings = server.settings()
        with VaultGateway(settings) as root:
            root.adapter.post("/v1/sys/namespaces/team-a", json={})
            root.adapter.post("/v1/sys/namespaces/team-b", json={})
        with VaultGateway(dataclasses.replace(settings, namespace="team-a")) as team:
            team.adapter.post("/v1/sys/namespaces/prod", json={})
            team.adapter.post("/v1/sys/namespaces/staging", json={})
            team.client.sys.enable_secrets_engine("kv", path="ai-models", options={"version": "2"})
            team.kv("ai-models", 2).write(
                "prod/openai", {"api_key": "sk-team-a-demo-key", "org": "org-team-a"}, cas=0
            )
        app = make_app(dataclasses.replace(settings, namespace="team-a", clipboard_clear=0.0))
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press("o", *"ai-models/prod/openai", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            app.save_screenshot(filename="namespace-secret.svg", path=str(out))
            app.action_switch_namespace()
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            app.save_screenshot(filename="namespace-switcher.svg", path=str(out))
    return [out / "namespace-secret.svg", out / "namespace-switcher.svg"]


async def shoot_wizard(
    out: Path, settings: Settings, gateway: VaultGateway, cli: str
) -> list[Path]:
    """Each wizard step on the real engine, then the destroy preview of the applied stack."""
    written = []
    with (
        tempfile.TemporaryDirectory(prefix="vault-console-shots-") as tmp,
        running_moto() as moto,
    ):
        # boto3 reads the process environment: the AWS step asks moto who we are.
        os.environ.update(boto3_env(moto))
        iam = boto3.client("iam")
        for name, service in (("chat-inference", "ecs-tasks"), ("batch-inference", "lambda")):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(service))
        home = install_vault_plugin(cli, Path(tmp) / "pulumi-home")
        env = wizard_env(Path(cli).parent, home, Path(tmp))
        for name, scene in WIZARD_SCENES.items():
            app = make_app(settings, env=env)
            async with app.run_test(size=SIZE) as pilot:
                if scene is result:
                    # The apply step passes on to the result by itself: shoot it live.
                    async def applying(app: VaultConsoleApp = app) -> None:
                        app.save_screenshot(filename="wizard-6-apply.svg", path=str(out))
                        written.append(out / "wizard-6-apply.svg")

                    await result(pilot, gateway, while_applying=applying)
                else:
                    await scene(pilot, gateway)
                app.save_screenshot(filename=f"{name}.svg", path=str(out))
                written.append(out / f"{name}.svg")
        # The last scene applied the stack: preview its destroy, and stop before destroying.
        app = make_app(settings, env=env)
        async with app.run_test(size=SIZE) as pilot:
            screen = DestroyScreen("dev")
            await app.push_screen(screen)
            await pilot.pause(0.3)
            await pilot.click("#destroy-preview")
            deadline = time.monotonic() + 180
            await pilot.pause(0.5)
            while screen.running and time.monotonic() < deadline:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            app.save_screenshot(filename="destroy-preview.svg", path=str(out))
            written.append(out / "destroy-preview.svg")
    return written


def main() -> int:
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    # --namespaces: only the namespace screens (the whole set runs the real engine).
    job = shoot_namespaces(out) if sys.argv[1:] == ["--namespaces"] else shoot(out)
    for path in asyncio.run(job):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
