"""Exercise 00: a first container, detached, named, logged (cf. `docker run -d --name`, `docker logs`,
`docker inspect`; chapter 00)."""

from __future__ import annotations

import json

from minidocker.grade.exercise import Exercise, Facts, unique

EXERCISE = ex = Exercise("00-first-container", "A first container")


@ex.collector
def collect(first_container) -> Facts:
    facts, eng, name = Facts(), ex.engine(), unique("ex00-first")
    eng("rm", "-f", name, check=False)
    try:
        facts.values["returned"] = facts.call("first_container", first_container, eng, name)
        code, out = eng.status("inspect", name)
        facts.values["inspect"] = json.loads(out)[0] if code == 0 else None
        facts.values["logs"] = eng("logs", name, check=False) if code == 0 else ""
        if code == 0 and facts.values["inspect"]["State"]["Running"]:  # give a slow echo its moment
            from minidocker.observe.run_options import wait_logs

            facts.values["logs"] = wait_logs(eng, name, "hello, container", timeout=5)
    finally:
        eng("rm", "-f", name, check=False)
    facts.values["name"] = name
    return facts


@ex.requirement(1, "a running container has the name it was given", 1, uses=("first_container",),
                hint="`run -d --name NAME busybox ...` starts it in the background; its command must keep "
                     "running (busybox's sh exits at once without a terminal: give it something to do)")
def running(f: Facts) -> str | None:
    info = f["inspect"]
    if info is None:
        return f"the engine has no container named {f['name']!r}"
    state = info["State"]
    return None if state["Running"] else f"the container exists but is {state['Status']} (exit code {state['ExitCode']})"


@ex.requirement(2, "its log says `hello, container`", 1, uses=("first_container",),
                hint="whatever the container's main process writes to stdout goes to its log: "
                     "sh -c 'echo hello, container; sleep 600'")
def logged(f: Facts) -> str | None:
    if f["inspect"] is None:
        return f"the engine has no container named {f['name']!r}"
    logs = f["logs"]
    return None if "hello, container" in logs else f"its log is {logs[-200:]!r}"


@ex.requirement(3, "first_container returns the container's full ID", 1, uses=("first_container",),
                hint="`run -d` prints the full 64-character ID; `ps` shows only its first 12 characters")
def full_id(f: Facts) -> str | None:
    if f["inspect"] is None:
        return f"the engine has no container named {f['name']!r}"
    got, want = f["returned"], f["inspect"]["Id"]
    got = got.strip() if isinstance(got, str) else got
    return None if got == want else f"it returned {got!r}; the engine says the container's ID is {want}"
