"""Exercise 08: a server with limits and a published port, and its limits read from its cgroup
(cf. `docker run -d -p --memory --pids-limit`; the kernel's cgroup-v1 memory.txt and cgroup-v2.rst; chapter 08)."""

from __future__ import annotations

import os

from minidocker.grade.exercise import Exercise, Facts, unique
from minidocker.observe import run_options
from minidocker.registry.process import free_port

EXERCISE = ex = Exercise("08-server-with-limits", "A server with limits")
MEMORY = 64 * 1024 * 1024
PIDS = 20


@ex.collector
def collect(serve, memory_limit) -> Facts:
    facts, eng, name, port = Facts(), ex.engine(), unique("ex08-web"), free_port()
    facts.not_here = run_options.limits_refusal(eng) or ""
    if facts.not_here:
        return facts
    eng("rm", "-f", name, check=False)
    try:
        facts.call("serve", serve, eng, name, port)
        code, out = eng.status("inspect", "--format", "{{.State.Running}} {{.State.Pid}}", name)
        running, pid = (out.split() + ["", "0"])[:2] if code == 0 else ("", "0")
        facts.values.update(name=name, port=port, exists=code == 0, running=running == "true", pid=int(pid))
        if running == "true":
            try:
                facts.values["page"] = run_options.http_get(port, timeout=10)
            except OSError as exc:
                facts.values["page"] = exc
            facts.values["kernel"] = {k: run_options.read_limit(int(pid), k) for k in ("memory", "pids")}
            facts.values["read"] = facts.call("memory_limit", memory_limit, int(pid))
        facts.values["own"] = (facts.call("memory_limit", memory_limit, os.getpid()), run_options.read_limit(os.getpid(), "memory"))
    finally:
        eng("rm", "-f", name, check=False)
    return facts


def _up(f: Facts) -> str | None:
    if not f["exists"]:
        return f"the engine has no container named {f['name']!r}"
    return None if f["running"] else f"container {f['name']} is not running (see `logs {f['name']}`)"


@ex.requirement(1, "the server runs detached and answers on 127.0.0.1:PORT", 2, uses=("serve",),
                hint="busybox has a web server: httpd -f -p 80 -h DIR (with an index.html in DIR); publish "
                     "it with -p PORT:80")
def answers(f: Facts) -> str | None:
    if wrong := _up(f):
        return wrong
    page = f["page"]
    if isinstance(page, Exception):
        return f"nothing answered on http://127.0.0.1:{f['port']}/ ({page})"
    return None if f["name"] in page else f"the page at 127.0.0.1:{f['port']} is {page[:80]!r}, not one naming {f['name']}"


@ex.requirement(2, f"its cgroup limits it to 64 MiB of memory and {PIDS} processes", 1, uses=("serve",),
                hint="--memory 64m and --pids-limit 20 at `run` become the container's cgroup files "
                     "(memory.limit_in_bytes or memory.max, pids.max)")
def limits(f: Facts) -> str | None:
    if wrong := _up(f):
        return wrong
    kernel = f["kernel"]
    if kernel["memory"] != str(MEMORY):
        return f"its cgroup's memory limit is {kernel['memory']}, not {MEMORY}"
    return None if kernel["pids"] == str(PIDS) else f"its cgroup's pids limit is {kernel['pids']}, not {PIDS}"


@ex.requirement(3, "memory_limit(pid) reads the limit from the process's cgroup, v1 or v2", 1, uses=("memory_limit",),
                hint="/proc/<pid>/cgroup names its cgroup: a line `N:memory:/path` means cgroup v1 "
                     "(/sys/fs/cgroup/memory/path/memory.limit_in_bytes), `0::/path` v2 "
                     "(/sys/fs/cgroup/path/memory.max, where 'max' means no limit: return None)")
def reads(f: Facts) -> str | None:
    if wrong := _up(f):
        return wrong
    if f["read"] != MEMORY:
        return f"memory_limit({f['pid']}) returned {f['read']!r}; the kernel holds {f['kernel']['memory']}"
    got, kernel = f["own"]
    want = None if kernel == "max" or int(kernel) >= 2**62 else int(kernel)
    ok = got == want or (kernel != "max" and got == int(kernel))
    return None if ok else f"for this notebook's own process it returned {got!r}; the kernel holds {kernel}"
