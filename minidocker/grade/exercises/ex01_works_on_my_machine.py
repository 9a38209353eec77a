"""Exercise 01: "works on my machine": an image, not the host, decides how a program runs
(cf. `docker run --rm`, the image's Env; chapter 01)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique

EXERCISE = ex = Exercise("01-works-on-my-machine", "Works on my machine")
APP = 'echo "mode=$APP_MODE shell=$(readlink /bin/sh) user=$(id -un)"\n'


def _build(eng, tag: str, mode: str) -> None:
    with tempfile.TemporaryDirectory(prefix="ex01-") as ctx:
        (Path(ctx) / "app.sh").write_text(APP)
        (Path(ctx) / "Dockerfile").write_text(f"FROM busybox\nENV APP_MODE={mode}\nCOPY app.sh /app.sh\nCMD [\"sh\", \"/app.sh\"]\n")
        eng("build", "-q", "-t", tag, ctx)


@ex.collector
def collect(run_app) -> Facts:
    facts, eng, repo = Facts(), ex.engine(), unique("ex01-app")
    images = {"prod": f"{repo}:prod", "test": f"{repo}:test"}
    saved = os.environ.get("APP_MODE")
    try:
        for mode, tag in images.items():
            _build(eng, tag, mode)
            facts.values[f"want_{mode}"] = eng("run", "--rm", tag)
        os.environ["APP_MODE"] = "laptop"  # the host's environment must not leak into the container
        for mode, tag in images.items():
            facts.values[f"got_{mode}"] = facts.call("run_app", run_app, eng, tag)
        facts.values["left"] = [n for tag in images.values()
                                for n in eng("ps", "-a", "-q", "--filter", f"ancestor={tag}").split()]
    finally:
        if saved is None:
            os.environ.pop("APP_MODE", None)
        else:
            os.environ["APP_MODE"] = saved
        for tag in images.values():
            for cid in eng("ps", "-a", "-q", "--filter", f"ancestor={tag}", check=False).split():
                eng("rm", "-f", cid, check=False)
            eng("rmi", "-f", tag, check=False)
    return facts


def _same(got, want: str, image: str) -> str | None:
    if got == want:
        return None
    if isinstance(got, str) and "laptop" in got:
        return f"for {image} it returned {got!r}: the host's APP_MODE leaked into the container"
    return f"for {image} it returned {got!r}; the image itself prints {want!r}"


@ex.requirement(1, "run_app returns exactly what the image prints", 2, uses=("run_app",),
                hint="run the image with no command (its CMD runs) and return the output as it is; pass "
                     "nothing from the host's environment (no -e)")
def prod(f: Facts) -> str | None:
    return _same(f["got_prod"], f["want_prod"], "the prod image")


@ex.requirement(2, "the image decides, not your code: another image gives its own output", 1, uses=("run_app",),
                hint="do not hard-code any output or mode: the image given as argument must be the one that runs")
def test(f: Facts) -> str | None:
    return _same(f["got_test"], f["want_test"], "the test image")


@ex.requirement(3, "run_app leaves no container behind", 1, uses=("run_app",),
                hint="a container that has exited still exists (`ps -a`) until removed: `run --rm` removes it")
def clean(f: Facts) -> str | None:
    left = f["left"]
    return None if not left else f"{len(left)} stopped container(s) of the app images are left: {', '.join(left)}"
