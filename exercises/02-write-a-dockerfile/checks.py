"""Checks for exercise 02: build the student's Dockerfile with the engine, run the image, inspect it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from minidocker import teach

HELLO = 'echo "$GREETING from $(id -un) in $(pwd)"\n'
TAG = f"ex02-hello-{os.getpid()}:latest"  # one per notebook kernel: student and solution may run at once


def _layers(eng, ref: str) -> int:
    return len(json.loads(eng("image", "inspect", ref))[0]["RootFS"]["Layers"])


def check(dockerfile: str) -> str:
    """Raise AssertionError naming the first requirement the Dockerfile misses."""
    eng = teach.engine()
    with tempfile.TemporaryDirectory(prefix="ex02-") as ctx:
        (Path(ctx) / "Dockerfile").write_text(dockerfile)
        (Path(ctx) / "hello.sh").write_text(HELLO)
        code, out = eng.status("build", "-t", TAG, ctx)
        assert code == 0, f"the build failed (exit {code}):\n{out}"
        config = json.loads(eng("image", "inspect", TAG))[0]["Config"]
        assert config.get("User") == "nobody", f"requirement 3: the image runs as {config.get('User') or 'root'!r}, not 'nobody'"
        assert config.get("WorkingDir") == "/app", f"requirement 3: the working directory is {config.get('WorkingDir')!r}"
        assert "GREETING=hi" in (config.get("Env") or []), "requirement 4: GREETING=hi is not in the image's environment"
        ran = eng("run", "--rm", TAG, check=False)
        assert ran == "hi from nobody in /app\n", f"requirement 5: `run --rm {TAG}` printed {ran!r}"
        added = _layers(eng, TAG) - _layers(eng, "busybox")
        assert added == 1, f"requirement 6: the image adds {added} layers on top of busybox, not 1"
        steps = sum(1 for line in out.splitlines() if line.startswith("Step "))
        again = eng("build", "-t", TAG, ctx)
        assert again.count("Using cache") == steps - 1, "requirement 7: the rebuild did not come entirely from the cache"
    eng("rmi", TAG, check=False)
    return "all checks passed"
