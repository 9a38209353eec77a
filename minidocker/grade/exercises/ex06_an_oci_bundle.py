"""Exercise 06: an OCI bundle by hand, a hostname and a memory limit, run by minirunc and by the real runc
(cf. the runtime spec's config.md `hostname` and config-linux.md `resources.memory.limit`; chapter 06)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique
from minidocker.observe import oci_runtime, run_options

EXERCISE = ex = Exercise("06-an-oci-bundle", "An OCI bundle by hand")
HOSTNAME = "ex06-box"
MEMORY = 32 * 1024 * 1024


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
        for program in ("minirunc", "runc"):
            if program == "runc" and shutil.which("runc") is None:
                facts.values[program] = {"error": "the real runc is not installed (apt-get install runc)"}
                continue
            facts.values[program] = _try(program, bundle, Path(work) / f"state-{program}", unique(f"ex06-{program}"))
    return facts


def _judge(f: Facts, program: str, what: str) -> str | None:
    seen = f[program]
    if "error" in seen:
        return f"{program} could not run the bundle: {seen['error']}"
    if what == "hostname" and seen["hostname"] != HOSTNAME:
        return f"under {program} the container's hostname is {seen['hostname']!r}, not {HOSTNAME!r}"
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
