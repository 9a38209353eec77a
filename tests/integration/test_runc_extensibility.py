"""runtime-spec config.md, Extensibility: unknown properties are ignored (minirunc names them in its debug
log), while an unknown value of a known field is still refused. runc, crun and minirunc run the same bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

RUNTIMES = ("runc", "crun", "minirunc")


def edit(bundle: Path, change) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    change(spec)
    (bundle / "config.json").write_text(json.dumps(spec))


def with_unknown_properties(spec: dict) -> None:
    spec["org.example.x"] = {}
    spec["process"]["org.example.y"] = [1, 2]
    spec["linux"]["org.example.z"] = {"deep": True}


def test_unknown_properties_are_ignored(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sh", "-c", "hostname; echo $$; exit 4"])
    edit(bundle, with_unknown_properties)
    seen = {}
    for runtime in RUNTIMES:
        done = runtimes(runtime, "run", "--bundle", str(bundle), runtimes.new_id("ext"))
        seen[runtime] = (done.returncode, done.stdout)
    assert seen["minirunc"] == (4, "runc\n1\n")
    assert seen["minirunc"] == seen["runc"] == seen["crun"]


def test_debug_log_names_the_ignored_properties(runtimes, bundle: Path, tmp_path: Path) -> None:
    configure(bundle, args=["true"])
    edit(bundle, with_unknown_properties)
    log = tmp_path / "debug.log"
    done = runtimes("minirunc", "--debug", "--log", str(log), "run", "--bundle", str(bundle), runtimes.new_id("ext"))
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    for path in ("org.example.x", "process.org.example.y", "linux.org.example.z"):
        assert f"unknown property {path} ignored" in text and "level=debug" in text
    quiet = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("ext"))
    assert quiet.returncode == 0 and quiet.stderr == ""  # without --debug: nothing said


@pytest.mark.parametrize("change, field", [
    (lambda s: s["linux"].update(rootfsPropagation="sideways"), "linux.rootfsPropagation"),
    (lambda s: s["linux"]["namespaces"].append({"type": "bogus"}), "linux.namespaces[5].type"),
    (lambda s: s["process"]["rlimits"][0].update(type="RLIMIT_BOGUS"), "RLIMIT_BOGUS"),
])
def test_unknown_values_are_refused(runtimes, bundle: Path, change, field: str) -> None:
    """As runc (crun 1.8 lets an unknown rootfsPropagation through as "no propagation change")."""
    configure(bundle, args=["true"])
    edit(bundle, change)
    codes = {}
    for runtime in ("runc", "minirunc"):
        done = runtimes(runtime, "run", "--bundle", str(bundle), runtimes.new_id("extbad"))
        codes[runtime] = done.returncode != 0
        if runtime == "minirunc":
            assert field in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert codes == {"runc": True, "minirunc": True}
