"""The plan model on the recorded real engine event logs in shared/fixtures/pulumi-events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi.automation.events import EngineEvent

from tests.conftest import PULUMI_EVENTS, pulumi_log
from vault_console.infra.plan import (
    ALL_OPS,
    PlanLogError,
    build,
    iter_log_objects,
    load_plan,
    render_text,
)

LOGS = [
    "destroy-with-components.json",
    "failed-stacks-dont-rewrite-operations.json",
    "json-text-change.json",
    "up-3.json",
    "up-4.json",
    "webserver-userdata.json",
]


def log(name: str) -> Path:
    return pulumi_log(name)


def test_all_six_recorded_logs_are_present() -> None:
    assert sorted(p.name for p in PULUMI_EVENTS.glob("*.json")) == LOGS


@pytest.mark.parametrize("name", LOGS)
def test_counts_match_the_engine_summary(name: str) -> None:
    plan = load_plan(log(name))
    assert plan.engine_summary is not None
    assert plan.counts == plan.engine_summary
    as_json = plan.to_json()
    assert as_json["summary"] == plan.engine_summary
    for step in as_json["steps"]:
        assert {"urn", "type", "name", "op", "changes"} <= set(step)
        assert step["op"] in ALL_OPS


def test_replacement_is_grouped_with_property_changes() -> None:
    plan = load_plan(log("webserver-userdata.json"))
    groups = plan.replacements()
    urn = "urn:pulumi:dev::aws-ts-webserver::aws:ec2/instance:Instance::web-server-www"
    assert [s.op for s in groups[urn]] == ["create-replacement", "replace", "delete-replaced"]
    replace = groups[urn][1]
    assert replace.logical and not groups[urn][0].logical
    change = replace.changes[0]
    assert change.path == "userData" and change.kind == "update-replace" and change.replaces
    assert "Hello, World!" in change.old and "Hello, Pulumi!" in change.new
    assert plan.summary == {"replace": 1, "same": 2}


def test_detailed_diff_gives_old_and_new_per_property() -> None:
    plan = load_plan(log("up-4.json"))
    update = next(s for s in plan.steps if s.op == "update")
    assert update.name == "eks-sg" and update.type == "aws:ec2/securityGroup:SecurityGroup"
    assert update.parent.endswith("pulumi:pulumi:Stack::eks-dev")
    changes = {c.path: c for c in update.changes}
    assert changes["ingress[1].fromPort"].kind == "add"
    assert changes["ingress[1].fromPort"].new == 22
    assert changes["ingress[1].cidrBlocks[0]"].new == "0.0.0.0/0"


def test_failure_is_attached_to_its_resource_and_not_counted() -> None:
    plan = load_plan(log("failed-stacks-dont-rewrite-operations.json"))
    assert [s.name for s in plan.failed] == ["test-x"]
    assert plan.failed[0].op == "update" and not plan.failed[0].done
    assert plan.maybe_corrupt
    assert plan.summary == {"same": 1}


def test_destroy_keeps_parents() -> None:
    plan = load_plan(log("destroy-with-components.json"))
    child = next(s for s in plan.steps if s.name == "mychild")
    assert child.op == "delete"
    assert child.parent.endswith("my:component:Component::mycomponent")


def test_pretty_printed_log_is_accepted() -> None:
    plan = load_plan(log("json-text-change.json"))
    assert plan.summary == {"update": 1}


def test_secrets_are_masked_in_changes() -> None:
    secret = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "value": "sk-x",
    }
    meta = {
        "op": "update",
        "urn": "urn:pulumi:dev::p::vault:kv/secretV2:SecretV2::m",
        "type": "vault:kv/secretV2:SecretV2",
        "provider": "",
        "old": {
            "type": "t",
            "urn": "u",
            "inputs": {"dataJson": secret, "name": "a", "options": {"token": "t0k"}},
        },
        "new": {
            "type": "t",
            "urn": "u",
            "inputs": {"dataJson": "plain-but-sensitive", "name": "b", "options": {"token": "t1k"}},
        },
        "detailedDiff": {
            "dataJson": {"diffKind": "update", "inputDiff": True},
            "name": {"diffKind": "update", "inputDiff": True},
            "options.token": {"diffKind": "update", "inputDiff": True},
        },
        "logical": True,
    }
    events = [
        EngineEvent.from_json(
            {
                "sequence": 1,
                "timestamp": 0,
                "resourcePreEvent": {"metadata": meta, "planning": True},
            }
        ),
        EngineEvent.from_json(
            {
                "sequence": 2,
                "timestamp": 0,
                "diagnosticEvent": {
                    "message": "warn",
                    "color": "never",
                    "severity": "warning",
                    "urn": meta["urn"],
                },
            }
        ),
        EngineEvent.from_json(
            {
                "sequence": 3,
                "timestamp": 0,
                "policyEvent": {
                    "message": "too open",
                    "color": "never",
                    "policyName": "no-wildcards",
                    "policyPackName": "vault-pack",
                    "policyPackVersion": "1",
                    "policyPackVersionTag": "v1",
                    "enforcementLevel": "advisory",
                    "resourceUrn": meta["urn"],
                },
            }
        ),
    ]
    plan = build(events)
    changes = {c.path: (c.old, c.new) for c in plan.steps[0].changes}
    assert changes["dataJson"] == ("[secret]", "[secret]")
    assert changes["options.token"] == ("[secret]", "[secret]")
    assert changes["name"] == ("a", "b")
    text = json.dumps(plan.to_json()) + render_text(plan)
    assert "sk-x" not in text and "plain-but-sensitive" not in text and "t0k" not in text
    assert plan.steps[0].diagnostics == ["warning: warn"]
    assert plan.steps[0].policy == ["no-wildcards: too open"]
    assert plan.policy_events[0]["policy_pack"] == "vault-pack"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"sequence": 1}\n{"sequence": 2, "x": \n', r"log:2: truncated event"),
        ('{"sequence": 1}\n{sequence: 2}\n', r"log:2: malformed event"),
        ('{"sequence": 1}\n[1, 2]\n', r"log:2: an event must be a JSON object"),
        ('\n\n  {"a": 1}  \n{"b": 2', r"log:4: truncated event"),
    ],
)
def test_bad_logs_name_the_line(text: str, message: str) -> None:
    with pytest.raises(PlanLogError, match=message):
        list(iter_log_objects(text))


def test_unknown_op_names_the_event(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "sequence": 7,
                "resourcePreEvent": {
                    "metadata": {"op": "teleport", "urn": "u", "type": "t", "provider": ""}
                },
            }
        )
        + "\n"
    )
    with pytest.raises(PlanLogError, match=r"event with sequence 7: .*teleport"):
        load_plan(path)


def test_empty_and_binary_logs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("\n")
    with pytest.raises(PlanLogError, match="no events"):
        load_plan(empty)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PlanLogError, match="not UTF-8"):
        load_plan(binary)


def test_render_text_shows_each_step_and_the_summary() -> None:
    text = render_text(load_plan(log("webserver-userdata.json")))
    assert "+- replace            aws:ec2/instance:Instance  web-server-www" in text
    assert text.splitlines()[-1] == "Summary: replace: 1, same: 2"
