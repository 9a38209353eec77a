"""Checks for exercise 03: the student's publish() against the registry's own answer, then a pull by digest."""

from __future__ import annotations

import tempfile
import urllib.request
from pathlib import Path
from typing import Callable

from minidocker import teach
from minidocker.registry.process import serve_in_background

ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"


def check(publish: Callable[..., str]) -> str:
    eng = teach.engine()
    with tempfile.TemporaryDirectory(prefix="ex03-") as storage:
        registry = serve_in_background(Path(storage))
        name = f"{registry.address}/course/hello"
        try:
            digest = publish(eng, registry.address, "busybox", "course/hello", "v1")
            assert isinstance(digest, str) and digest.startswith("sha256:") and len(digest) == 71, \
                f"publish returned {digest!r}, not a sha256 digest"
            req = urllib.request.Request(f"{registry.url}/v2/course/hello/manifests/v1", headers={"Accept": ACCEPT})
            with urllib.request.urlopen(req, timeout=10) as resp:
                served = resp.headers["Docker-Content-Digest"]
            assert served == digest, f"the registry says course/hello:v1 is {served}, publish returned {digest}"
            eng("rmi", f"{name}:v1", check=False)
            eng("pull", f"{name}@{digest}")
            out = eng("run", "--rm", f"{name}@{digest}", "echo", "pulled by digest")
            assert out == "pulled by digest\n", f"the image pulled by digest printed {out!r}"
        finally:
            eng("rmi", "-f", f"{name}:v1", f"{name}@{digest}" if "digest" in dir() else name, check=False)
            registry.stop()
    return "all checks passed"
