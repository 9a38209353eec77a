"""linux.resources.devices on cgroup v2: the eBPF program minirunc attaches (minidocker.linux.bpf) must allow
and refuse exactly what the v1 devices controller does with the same rules. This hybrid host has both: the
kernel's v1 controller is the oracle, the program is attached to a cgroup of the v2 hierarchy (which the
kernel also consults there). Each probe process joins one test cgroup; all are removed at the end."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from minidocker.oci.runtime import Resources
from minidocker.runc import resources

pytestmark = pytest.mark.root

V2 = "/sys/fs/cgroup" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "/sys/fs/cgroup/unified"
V1 = "/sys/fs/cgroup/devices"
# Opens for reading and for writing (the device check happens at open), and a mknod; stderr is a pipe, so
# no /dev/null is needed by the probe itself. /dev/kmsg (c 1:11) is not among runc's default devices.
PROBE = ("for d in zero full kmsg; do (: < /dev/$d) && echo $d-r; (: >> /dev/$d) && echo $d-w; done; "
         "mknod /tmp/devices-probe-$$ c 1 3 && echo mknod; rm -f /tmp/devices-probe-$$")

CASES = {
    "deny all, then allows": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "r"}],
    "later rules win": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "rw"},
                        {"allow": False, "type": "c", "major": 1, "minor": 11, "access": "w"}],
    "allow all, then denies": [{"allow": True, "access": "rwm"}, {"allow": False, "type": "c", "major": 1, "minor": 11, "access": "r"},
                               {"allow": False, "type": "c", "major": 1, "access": "m"}],
}


@pytest.fixture
def cgroup_dirs():
    made = []

    def make(top: str) -> str:
        path = f"{top}/minirunc-devtest-{uuid.uuid4().hex[:8]}"
        os.mkdir(path)
        made.append(path)
        return path
    yield make
    for path in reversed(made):
        try:
            os.rmdir(path)
        except OSError:
            pass


def probe(cgroup: str) -> list[str]:
    def enter() -> None:
        with open(f"{cgroup}/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
    return subprocess.run(["sh", "-c", PROBE], preexec_fn=enter, capture_output=True, text=True).stdout.split()


@pytest.mark.parametrize("case", list(CASES))
def test_bpf_filter_matches_the_v1_controller(cgroup_dirs, case: str) -> None:
    rules = Resources({"devices": CASES[case]}).devices
    v2 = cgroup_dirs(V2)
    resources._devices_v2(v2, rules, [])
    seen_v2 = probe(v2)
    if not os.path.isdir(V1):
        pytest.skip(f"no v1 devices controller to compare with (v2 saw {seen_v2})")
    v1 = cgroup_dirs(V1)
    resources._devices_v1(v1, rules, [])
    seen_v1 = probe(v1)
    assert seen_v2 == seen_v1
    assert seen_v2 != probe(cgroup_dirs(V2))  # the filter changed something: an unfiltered cgroup sees more


def test_rules_without_runcs_defaults_really_deny(cgroup_dirs) -> None:
    """A program built from an outcome without runc's defaults (which _devices_v2 always appends):
    /dev/zero readable, nothing else."""
    from minidocker.linux import bpf

    v2 = cgroup_dirs(V2)
    bpf.attach_device_filter(v2, bpf.program(False, {"c 1:5": "r"}))
    assert probe(v2) == ["zero-r"]  # not written, not full, not kmsg, no mknod
