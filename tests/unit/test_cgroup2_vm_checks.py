"""The cgroup v2 VM's verdicts (scripts/cgroup2_vm_checks.py, scripts/cgroup2_vm.py): a probe whose limits did
not bite fails, and the initramfs gets every module the 9p root needs, dependencies first."""

import glob
import importlib.util
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checks = _load("cgroup2_vm_checks")


def _output(changes: dict[str, str] | None = None) -> str:
    """A probe's output built from its parts (what a container prints when every limit bites)."""
    parts = {"memory.max": str(checks.MEMORY), "pids.max": str(checks.PIDS), "tail-exit": "137", "oom_kill": "1",
             "pids.current": str(checks.PIDS - 1), "pids.events.max": "3", **(changes or {})}
    return (f"memory.max={parts['memory.max']} pids.max={parts['pids.max']}\nKilled\n"
            f"tail-exit={parts['tail-exit']}\noom_kill {parts['oom_kill']}\npids.current={parts['pids.current']}\n"
            f"pids.events.max={parts['pids.events.max']}\n")


def test_a_probe_where_every_limit_bit_holds():
    assert "OOM-killed" in checks.probe_held(_output())


@pytest.mark.parametrize("change", [
    {"memory.max": "max"}, {"pids.max": "max"}, {"tail-exit": "0"}, {"oom_kill": "0"},
    {"pids.current": str(checks.PIDS + 25)}, {"pids.events.max": "0"},
])
def test_a_probe_where_a_limit_did_not_bite_fails(change):
    with pytest.raises(AssertionError):
        checks.probe_held(_output(change))


def test_the_initramfs_modules_come_dependencies_first():
    if not [p for p in glob.glob("/boot/vmlinuz-*-amd64") if "cloud" not in p]:
        pytest.skip("Debian's standard kernel is not installed")
    vm = _load("cgroup2_vm")
    _, release = vm.kernel()
    names = [name for name, path in vm.modules(release)]
    assert set(vm.ROOT_MODULES) <= set(names)
    for name, path in vm.modules(release):
        assert path.exists()
        deps = vm._modinfo(release, "depends", name).split(",")
        assert all(names.index(d) < names.index(name) for d in deps if d), (name, deps)
