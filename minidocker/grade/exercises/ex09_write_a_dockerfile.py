"""Exercise 09: a Dockerfile for a small program, built, run and inspected by the engine
(cf. Docker's Dockerfile reference: which instructions make layers, the build cache; chapter 09)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique

EXERCISE = ex = Exercise("09-write-a-dockerfile", "Write a Dockerfile")
HELLO = 'echo "$GREETING from $(id -un) in $(pwd)"\n'


def _layers(eng, ref: str) -> int:
    return len(json.loads(eng("image", "inspect", ref))[0]["RootFS"]["Layers"])


@ex.collector
def collect(dockerfile) -> Facts:
    facts, eng, tag = Facts(), ex.engine(), unique("ex09-hello") + ":latest"
    text = facts.call("dockerfile", dockerfile)
    if not isinstance(text, str):
        if "dockerfile" not in facts.errors:
            facts.errors["dockerfile"] = f"dockerfile() returned {text!r}, not the Dockerfile's text"
        return facts
    with tempfile.TemporaryDirectory(prefix="ex09-") as ctx:
        (Path(ctx) / "Dockerfile").write_text(text)
        (Path(ctx) / "hello.sh").write_text(HELLO)
        code, out = eng.status("build", "-t", tag, ctx)
        facts.values["build"] = (code, out)
        if code == 0:
            facts.values["config"] = json.loads(eng("image", "inspect", tag))[0]["Config"]
            facts.values["ran"] = eng("run", "--rm", tag, check=False)
            facts.values["added"] = _layers(eng, tag) - _layers(eng, "busybox")
            steps = sum(1 for line in out.splitlines() if line.startswith("Step "))
            again = eng("build", "-t", tag, ctx)
            facts.values["cached"] = (again.count("Using cache"), steps - 1)
    eng("rmi", "-f", tag, check=False)
    eng("image", "prune", "-f", check=False)
    return facts


def _built(f: Facts) -> str | None:
    code, out = f["build"]
    return None if code == 0 else f"the build failed (exit {code}): {out.strip().splitlines()[-1] if out.strip() else ''}"


@ex.requirement(1, "the image runs as nobody in /app with GREETING=hi", 2, uses=("dockerfile",),
                hint="USER, WORKDIR and ENV set the image's config; the build must succeed first")
def config(f: Facts) -> str | None:
    if wrong := _built(f):
        return wrong
    c = f["config"]
    if c.get("User") != "nobody":
        return f"the image runs as {c.get('User') or 'root'!r}, not 'nobody'"
    if c.get("WorkingDir") != "/app":
        return f"the working directory is {c.get('WorkingDir') or '/'!r}, not '/app'"
    return None if "GREETING=hi" in (c.get("Env") or []) else "GREETING=hi is not in the image's environment"


@ex.requirement(2, "`run --rm IMAGE` prints `hi from nobody in /app`", 2, uses=("dockerfile",),
                hint="the program must be at /app/hello.sh and CMD must run it (busybox has sh, not bash)")
def output(f: Facts) -> str | None:
    if wrong := _built(f):
        return wrong
    ran = f["ran"]
    return None if ran == "hi from nobody in /app\n" else f"`run --rm IMAGE` printed {ran!r}"


@ex.requirement(3, "exactly one layer on top of busybox", 1, uses=("dockerfile",),
                hint="only RUN, COPY and ADD (and WORKDIR of a directory the image lacks) make layers: COPY "
                     "the file to /app/hello.sh before WORKDIR /app, and do not RUN mkdir")
def one_layer(f: Facts) -> str | None:
    if wrong := _built(f):
        return wrong
    return None if f["added"] == 1 else f"the image adds {f['added']} layers on top of busybox, not 1"


@ex.requirement(4, "a rebuild of the same context comes entirely from the build cache", 1, uses=("dockerfile",),
                hint="a step is cached when its instruction and its files are unchanged: avoid instructions "
                     "whose result changes each time")
def cached(f: Facts) -> str | None:
    if wrong := _built(f):
        return wrong
    got, want = f["cached"]
    return None if got == want else f"the rebuild used the cache for {got} of its {want} steps after FROM"
