"""minirunc run by an ordinary user outside any engine (chapter 06 and exercise 06 as a learner): the bundle of
`minirunc spec --rootless` (the same file as `runc spec --rootless`), run, exec and the lifecycle as runc does
them, a memory limit refused (no cgroup is delegated on this host) rather than ignored, and the init a child of
the runtime while `create` runs (runc's nsexec: CLONE_PARENT), as a createRuntime hook sees it."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from rootless_fixture import learners  # noqa: F401

pytestmark = [pytest.mark.root, pytest.mark.skipif(shutil.which("runc") is None, reason="needs the real runc")]
BIN = Path(sys.executable).parent
PROBE = "id -u; id -g; cat /proc/self/uid_map; hostname; echo MEM $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"


def _bundle(learner, name: str, spec_cmd: list[str]) -> Path:
    """A bundle in the learner's home: busybox's root filesystem (theirs) and the spec command's config.json."""
    where = learner.home / name
    learner.run("mkdir", "-p", str(where))
    learner.py(f"from minidocker import baseimage; baseimage.make_rootfs({str(where / 'rootfs')!r})")
    learner.run("sh", "-c", f"cd {where} && {' '.join(spec_cmd)}")
    return where


def _edit(learner, bundle: Path, **fields) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    for key, value in fields.items():
        node = spec
        *path, last = key.split("__")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    learner.run("sh", "-c", f"cat > {bundle / 'config.json'}", input=json.dumps(spec))


def test_rootless_spec_is_runcs(learners):  # noqa: F811
    learner = learners()
    ours = json.loads((_bundle(learner, "ours", [str(BIN / "minirunc"), "spec", "--rootless"]) / "config.json").read_text())
    theirs = json.loads((_bundle(learner, "theirs", ["runc", "spec", "--rootless"]) / "config.json").read_text())
    theirs["ociVersion"] = ours["ociVersion"]  # runc's spec version is its own
    assert ours == theirs
    assert ours["linux"]["uidMappings"] == [{"containerID": 0, "hostID": learner.uid, "size": 1}]
    assert {"type": "user"} in ours["linux"]["namespaces"] and {"type": "network"} not in ours["linux"]["namespaces"]


def test_a_learner_runs_the_rootless_bundle_as_runc_does(learners):  # noqa: F811
    learner = learners()
    bundle = _bundle(learner, "b", [str(BIN / "minirunc"), "spec", "--rootless"])
    _edit(learner, bundle, process__args=["sh", "-c", PROBE], process__terminal=False, hostname="rl")
    seen = {}
    for program in (str(BIN / "minirunc"), "runc"):
        done = learner.run(program, "--root", str(learner.home / f"state-{Path(program).name}"), "run", "--bundle",
                           str(bundle), "probe")
        seen[program] = done.stdout.split("\n")
    mine = seen[str(BIN / "minirunc")]
    assert mine[:3] == ["0", "0", f"{'0':>10}{learner.uid:>11}{'1':>11}"]  # root inside is the learner outside
    assert mine[3] == "rl" and mine[4].startswith("MEM ")
    assert mine == seen["runc"]

    # exec from outside: the learner joins the container's user namespace first, then its pid namespace
    _edit(learner, bundle, process__args=["sleep", "60"])
    said = {}
    for program in (str(BIN / "minirunc"), "runc"):
        state = str(learner.home / f"state-{Path(program).name}")
        # detached, the container keeps the stdio it was given: not the test's pipes
        learner.run("sh", "-c", f"{program} --root {state} run -d --bundle {bundle} held </dev/null >/dev/null 2>&1")
        try:
            said[program] = learner.run(program, "--root", state, "exec", "held", "sh", "-c",
                                        "hostname; id -u; cat /proc/self/uid_map; echo $$").stdout.split()
        finally:
            learner.run(program, "--root", state, "delete", "--force", "held", check=False)
    assert said[str(BIN / "minirunc")][:5] == ["rl", "0", "0", str(learner.uid), "1"]
    assert int(said[str(BIN / "minirunc")][5]) > 1  # a new process in the container's pid namespace
    assert said[str(BIN / "minirunc")][:5] == said["runc"][:5]


def test_a_memory_limit_is_refused_not_ignored(learners):  # noqa: F811
    learner = learners()
    bundle = _bundle(learner, "b", [str(BIN / "minirunc"), "spec", "--rootless"])
    _edit(learner, bundle, process__args=["true"], process__terminal=False,
          linux__resources__memory={"limit": 32 * 1024 * 1024})
    done = learner.run(str(BIN / "minirunc"), "--root", str(learner.home / "state"), "run", "--bundle", str(bundle),
                       "limited", check=False)
    assert done.returncode != 0
    assert "cannot set linux.resources memory: no memory cgroup is delegated" in done.stderr
    assert not (learner.home / "state" / "limited").exists()  # nothing left of a refused container


def test_the_init_is_the_runtimes_child_during_create(learners):  # noqa: F811
    """A createRuntime hook (the runtime's child) reads the state on its stdin: the init's parent is the hook's."""
    learner = learners()
    bundle = _bundle(learner, "b", [str(BIN / "minirunc"), "spec", "--rootless"])
    out = learner.home / "parents"
    code = ("import json, os, sys; pid = json.load(sys.stdin)['pid']; "
            "ppid = [l.split()[1] for l in open(f'/proc/{pid}/status') if l.startswith('PPid:')][0]; "
            f"open({str(out)!r}, 'w').write(f'{{ppid}} {{os.getppid()}}')")
    _edit(learner, bundle, process__args=["true"], process__terminal=False,
          hooks={"createRuntime": [{"path": sys.executable, "args": ["python", "-c", code]}]})
    learner.run(str(BIN / "minirunc"), "--root", str(learner.home / "state"), "run", "--bundle", str(bundle), "hooked")
    init_parent, runtime = out.read_text().split()
    assert init_parent == runtime
