"""Exercise 04: tag, push and pull by digest through the course registry
(cf. the distribution spec's manifests by tag and by digest; chapter 04)."""

from __future__ import annotations

import tempfile
import urllib.request
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique
from minidocker.registry.process import serve_in_background

EXERCISE = ex = Exercise("04-publish-an-image", "Publish an image to a registry")
ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"


@ex.collector
def collect(publish) -> Facts:
    facts, eng, repo = Facts(), ex.engine(), unique("course/hello")
    with tempfile.TemporaryDirectory(prefix="ex04-") as storage:
        registry = serve_in_background(Path(storage))
        name = f"{registry.address}/{repo}"
        try:
            digest = facts.call("publish", publish, eng, registry.address, "busybox", repo, "v1")
            facts.values["digest"] = digest
            req = urllib.request.Request(f"{registry.url}/v2/{repo}/manifests/v1", headers={"Accept": ACCEPT})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    facts.values["served"] = resp.headers["Docker-Content-Digest"]
            except OSError as exc:
                facts.values["served"] = f"nothing ({exc})"
            ok_digest = isinstance(digest, str) and digest.startswith("sha256:") and len(digest) == 71
            if ok_digest:
                eng("rmi", "-f", f"{name}:v1", check=False)
                facts.values["pull"] = eng.status("pull", f"{name}@{digest}")
                facts.values["run"] = eng("run", "--rm", f"{name}@{digest}", "echo", "pulled by digest", check=False)
        finally:
            eng("rmi", "-f", f"{name}:v1", check=False)
            if isinstance(facts.get("digest"), str):
                eng("rmi", "-f", f"{name}@{facts['digest']}", check=False)
            registry.stop()
    return facts


@ex.requirement(1, "publish returns a manifest digest (sha256:...)", 1, uses=("publish",),
                hint="`push` ends with a line `v1: digest: sha256:... size: N`: return the sha256:... part")
def returns_digest(f: Facts) -> str | None:
    d = f["digest"]
    return None if isinstance(d, str) and d.startswith("sha256:") and len(d) == 71 else f"publish returned {d!r}, not a sha256 digest"


@ex.requirement(2, "the registry's tag points at that digest", 2, uses=("publish",),
                hint="an image name says which registry it lives in: REGISTRY/REPOSITORY:TAG; tag the image so, then push it")
def registry_has_it(f: Facts) -> str | None:
    served, d = f["served"], f["digest"]
    return None if served == d else f"the registry says {f.get('repo', 'the repository')}:v1 is {served}, publish returned {d}"


@ex.requirement(3, "the image pulled back by digest runs", 1, uses=("publish",),
                hint="a digest names content, not a tag: NAME@sha256:... pulls exactly what was pushed")
def pull_by_digest(f: Facts) -> str | None:
    if "pull" not in f.values:
        return "there is no digest to pull"
    code, out = f["pull"]
    if code != 0:
        return f"`pull NAME@DIGEST` failed: {out.strip()}"
    return None if f["run"] == "pulled by digest\n" else f"the image pulled by digest printed {f['run']!r}"
