"""OCI hooks: prestart/createRuntime before pivot_root, poststart after start, poststop after delete,
each given the container's state JSON on stdin; a failing hook fails the step and cleans up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, cgroup_dirs, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def add_hooks(bundle: Path, hooks: dict) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    spec["hooks"] = hooks
    (bundle / "config.json").write_text(json.dumps(spec))


def test_hooks_run_with_state_on_stdin(runtimes, bundle: Path, tmp_path: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    log = tmp_path / "hooks.log"
    hook = lambda name: {"path": "/bin/sh", "args": ["sh", "-c", f"echo {name} $(cat) >> {log}"]}  # noqa: E731
    add_hooks(bundle, {"createRuntime": [hook("createRuntime")], "poststart": [hook("poststart")],
                       "poststop": [hook("poststop")]})
    cid = runtimes.new_id("hooks")
    assert runtimes("minirunc", "create", "--bundle", str(bundle), cid).returncode == 0
    assert runtimes("minirunc", "start", cid).returncode == 0
    assert runtimes("minirunc", "delete", "--force", cid).returncode == 0
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["createRuntime", "poststart", "poststop"]
    states = [json.loads(line.split(" ", 1)[1]) for line in lines]
    assert all(s["id"] == cid and s["bundle"] == str(bundle) for s in states)
    assert states[0]["status"] == "creating" and states[1]["status"] == "running" and states[0]["pid"] > 0


def test_failing_prestart_hook_undoes_create(runtimes, bundle: Path) -> None:
    add_hooks(bundle, {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "echo nope >&2; exit 3"]}]})
    cid = runtimes.new_id("hooks")
    done = runtimes("minirunc", "create", "--bundle", str(bundle), cid)
    assert done.returncode != 0 and "exited with 3: nope" in done.stderr
    assert cgroup_dirs(cid) == [] and not (runtimes.roots["minirunc"] / cid).exists()
