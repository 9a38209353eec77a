"""Exercise 06: an OCI bundle by hand, a hostname and a memory limit, run by minirunc and by the real runc
(cf. the runtime spec's config.md `hostname` and config-linux.md `resources.memory.limit`; chapter 06)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique
from minidocker.observe import oci_runtime, run_options

EXERCISE = ex = Exercise("06-an-oci-bundle", "An OCI bundle by hand")
HOSTNAME = "ex06-box"
MEMORY = 32 * 1024 * 1024


# What minirunc and runc say, run by an ordinary user who was delegated no cgroup, to a memory limit: they
# refuse it rather than run the container without it.
REFUSALS = ("no memory cgroup is delegated", "could not join or create cgroup")


def _try_rootless(program: str, bundle: Path, state_root: Path, cid: str) -> dict:
    """As _try; where the runtime refuses the limit for want of a delegated cgroup, keep its refusal and try the
    rest (the hostname) once more without the limit."""
    seen = _try(program, bundle, state_root, cid)
    if not any(r in seen.get("said", "") for r in REFUSALS):
        return seen
    path = bundle / "config.json"
    original = path.read_text()
    spec = json.loads(original)
    spec["linux"]["resources"].pop("memory")
    path.write_text(json.dumps(spec))
    try:
        refused = next(line for line in seen["said"].splitlines() if any(r in line for r in REFUSALS))
        return dict(_try(program, bundle, state_root, cid + "-nolimit"), refused=refused[-160:])
    finally:
        path.write_text(original)


def _try(program: str, bundle: Path, state_root: Path, cid: str) -> dict:
    """Create and start the bundle's container with `program`, read its hostname and memory limit, delete it."""
    seen: dict = {}
    try:
        oci_runtime.runtime(program, state_root, "create", "--bundle", str(bundle), cid)
        oci_runtime.runtime(program, state_root, "start", cid)
        pid = oci_runtime.state(program, state_root, cid)["pid"]
        seen["hostname"] = oci_runtime.runtime(program, state_root, "exec", cid, "hostname").strip()
        seen["memory"] = run_options.read_limit(pid, "memory")
    except (RuntimeError, OSError, KeyError, ValueError) as exc:
        seen["error"] = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else type(exc).__name__
        seen["said"] = str(exc)
    finally:
        oci_runtime.runtime(program, state_root, "delete", "--force", cid, check=False)
    return seen


@ex.collector
def collect(configure) -> Facts:
    facts = Facts()
    with tempfile.TemporaryDirectory(prefix="ex06-") as work:
        bundle = oci_runtime.make_bundle(Path(work) / "bundle")
        facts.call("configure", configure, bundle)
        try:
            spec = json.loads((bundle / "config.json").read_text())
        except (OSError, ValueError) as exc:
            facts.errors.setdefault("configure", f"config.json is not JSON any more ({exc})")
            return facts
        facts.values["spec"] = spec
        # The checks run the learner's bundle with their own process: sleep, no terminal.
        spec.setdefault("process", {}).update(args=["sleep", "60"], terminal=False)
        (bundle / "config.json").write_text(json.dumps(spec))
        inside = oci_runtime.delegated_cgroup(Path(work).name)  # a learner's delegated subtree, if any
        for program in ("minirunc", "runc"):
            if program == "runc" and shutil.which("runc") is None:
                facts.values[program] = {"error": "the real runc is not installed (apt-get install runc)"}
                continue
            # minirunc makes the container's cgroups in a learner's delegated subtree (dropping hierarchies not
            # delegated); runc 1.1 refuses a rootless cgroupsPath on v1 unless every hierarchy is delegated
            if inside:
                linux = dict(spec.get("linux") or {}, cgroupsPath=inside)
                if program != "minirunc":
                    linux.pop("cgroupsPath")
                (bundle / "config.json").write_text(json.dumps(dict(spec, linux=linux)))
            attempt = _try if os.geteuid() == 0 else _try_rootless
            facts.values[program] = attempt(program, bundle, Path(work) / f"state-{program}", unique(f"ex06-{program}"))
    return facts


def _judge(f: Facts, program: str, what: str) -> str | None:
    seen = f[program]
    if "error" in seen:
        return f"{program} could not run the bundle: {seen['error']}"
    if what == "hostname" and seen["hostname"] != HOSTNAME:
        return f"under {program} the container's hostname is {seen['hostname']!r}, not {HOSTNAME!r}"
    if what == "memory" and "refused" in seen:  # an ordinary user's runtime, with no cgroup delegated to them
        asked = ((f.values["spec"].get("linux") or {}).get("resources") or {}).get("memory", {}).get("limit")
        if asked != MEMORY:
            return f"config.json asks for a memory limit of {asked}, not {MEMORY} (32 MiB)"
        print(f"(as {os.environ.get('USER') or os.geteuid()}: config.json asks for 32 MiB; with no cgroup delegated "
              f"to you, {program} refused to run without it: {seen['refused']})")
        return None
    if what == "memory" and seen["memory"] != str(MEMORY):
        return f"under {program} the container's cgroup memory limit is {seen['memory']}, not {MEMORY} (32 MiB)"
    return None


@ex.requirement(1, f"minirunc runs the bundle with the hostname {HOSTNAME}", 1, uses=("configure",),
                hint="config.json's top-level \"hostname\"; it needs a uts namespace of its own "
                     "(linux.namespaces has {\"type\": \"uts\"} already)")
def hostname(f: Facts) -> str | None:
    return _judge(f, "minirunc", "hostname")


@ex.requirement(2, "minirunc puts it in a cgroup limited to 32 MiB of memory", 2, uses=("configure",),
                hint="linux.resources.memory.limit, in bytes: 32 MiB is 32 * 1024 * 1024")
def memory(f: Facts) -> str | None:
    return _judge(f, "minirunc", "memory")


@ex.requirement(3, "the real runc runs the same bundle the same way", 1, uses=("configure",),
                hint="a bundle is the spec's, not one runtime's: keep to fields of the OCI runtime spec")
def runc(f: Facts) -> str | None:
    return _judge(f, "runc", "hostname") or _judge(f, "runc", "memory")
