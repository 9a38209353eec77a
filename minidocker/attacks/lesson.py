"""Chapter 10's experiments: the attacks of this package run against a chapter's engine, each summed up
in a few stable lines (no ids, paths or timings) that the notebook prints and nbval compares.

`eng` is a teach.Engine (call it like the CLI; `eng.status` gives (exit code, output)).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import layer_access, localnet, proc_exe

NOBODY = 65534
YES_NO = {True: "yes", False: "no"}
NO_PTRACE = ["setpriv", "--bounding-set=-sys_ptrace", "--"]  # root as in a container: no CAP_SYS_PTRACE

# What a learner (an ordinary user with a rootless engine) cannot do here, and why: teach.root_only's words.
NEEDS_ROOT = {
    "loopback": "the attack on the machine's 127.0.0.1 and the rules that stop it. It goes through the engine's "
                "bridge to the host; your rootless engine's bridge is in a network namespace of its own behind "
                "slirp4netns (its 127.0.0.1 is not the machine's), and the rules are in root's iptables",
    "other-user": "the probe walks the engine's directories as root and as the user nobody (setpriv --reuid); "
                  "only root can become another user. Your rootless engine's directories are in your home, "
                  "closed to others (0700): see docs/rootless.md",
}


def opener() -> str:
    """Who opens /proc/PID/exe in dumpable_rule(): root without CAP_SYS_PTRACE, or an ordinary user (no
    capabilities at all)."""
    import os

    return "root without CAP_SYS_PTRACE" if os.geteuid() == 0 else "you (an ordinary user: no CAP_SYS_PTRACE)"


# ---- CVE-2019-5736: /proc/PID/exe of the runtime ------------------------------------------------

def proc_exe_attack(eng: Any, execs: int = 20) -> list[tuple[str, int]]:
    """A container scans /proc for the runtime's interpreter while `exec` joins it `execs` times."""
    name = "ch10-scanner"
    eng("rm", "-f", name, check=False)
    proc_exe.start_scanner(eng.status, name)
    proc_exe.wait_scanning(eng.status, name)
    proc_exe.exec_many(eng.status, name, execs)
    seen = proc_exe.findings(eng.status, name)
    eng("rm", "-f", name)
    return [("exec calls made while the container scanned /proc", execs),
            ("times it read the host's Python through /proc/PID/exe", len(seen["READ"])),
            ("times it opened it for writing", len(seen["WRITE"]))]


def _sleeper(dumpable: bool) -> subprocess.Popen:
    code = ("from minidocker.linux.process import set_dumpable; import sys, time\n"
            f"set_dumpable({dumpable}); print('ready', flush=True); time.sleep(60)")
    # with the same capabilities as the reader: else the kernel's capability check alone refuses it
    proc = subprocess.Popen([*NO_PTRACE, sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    return proc


def dumpable_rule() -> list[tuple[str, str]]:
    """The kernel's rule: root *without* CAP_SYS_PTRACE (as in a container) opens /proc/PID/exe of a
    dumpable and of a non-dumpable host process."""
    rows = []
    for dumpable in (True, False):
        proc = _sleeper(dumpable)
        try:
            out = subprocess.run([*NO_PTRACE, "cat", f"/proc/{proc.pid}/exe"],
                                 capture_output=True)
            result = "opened and read" if out.returncode == 0 else out.stderr.decode().rsplit(": ", 1)[-1].strip()
        finally:
            proc.kill()
            proc.wait()
        rows.append((f"dumpable={int(dumpable)}", result))
    return rows


# ---- CVE-2020-8558: the host's loopback ----------------------------------------------------------

def localnet_attack(eng: Any, workdir: Path, extra: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """lo-syn from a container against a listener on the host's 127.0.0.1 (a port the kernel picks)."""
    image = localnet.build_image(eng.status, "ch10-lo-syn", workdir)
    code, out, got = localnet.attack(eng.status, image, extra)
    said = out.strip().splitlines()[-1] if out.strip() else ""
    return [("lo-syn's last line", said), ("lo-syn's exit code", str(code)),
            ("what the host's 127.0.0.1 service received", got.decode(errors="replace").strip() or "nothing")]


def localnet_rules(eng: Any) -> list[str]:
    """This engine's raw-table rules (the drop of 127.0.0.0/8 from its bridges), its own names shortened."""
    from ..dockerd.networks.nat import Chains
    from ..observe.engine_teardown import instance_of

    instance = instance_of(eng.root)
    tag = instance.split("-", 1)[1] if "-" in instance else ""
    lines = [line for line in Chains(tag).dump().splitlines() if "-RAW" in line]
    return [line.replace(tag, "<engine>") for line in lines] if tag else lines


# ---- CVE-2021-41091: an ordinary user in the engine's directories ---------------------------------

def local_user_attack(eng: Any, workdir: Path) -> list[tuple[str, str, str]]:
    """A container from an image with a setuid-root program and a `-e` secret; the probe walks the
    engine's root as root and as nobody: did it run the program as root, did it read the secret?"""
    image = layer_access.build_image(eng.status, "ch10-suid", workdir)
    secret = "s3cret-" + secrets.token_hex(8)
    eng("rm", "-f", "ch10-victim", check=False)
    eng("run", "-d", "--name", "ch10-victim", "-e", f"API_TOKEN={secret}", image, "sleep", "600")
    rows = []
    for who, uid in (("root", 0), ("nobody (an ordinary user)", NOBODY)):
        found = layer_access.probe_as(uid, eng.root, secret)
        rows.append((who, YES_NO["euid=0" in found["setuid_runs"].values()], YES_NO[bool(found["secret_in"])]))
    eng("rm", "-f", "ch10-victim")
    return rows


def state_modes(eng: Any) -> list[tuple[str, str]]:
    """The permission bits of the engine's directories an ordinary user would need to enter."""
    rels = ["lib", "lib/containers", "lib/containerd", "lib/containerd/snapshots", "lib/containerd/content",
            "run/containerd", "run/runc"]
    return [(rel, oct((eng.root / rel).stat().st_mode & 0o7777)) for rel in rels if (eng.root / rel).exists()]


def no_new_privs(eng: Any, workdir: Path) -> list[tuple[str, str]]:
    """The setuid program run inside a container by uid 65534, without and with no-new-privileges (its image
    built here too: a learner skips local_user_attack, which builds it first as root; the build cache)."""
    image = layer_access.build_image(eng.status, "ch10-suid", workdir)
    rows = []
    for opts in ((), ("--security-opt", "no-new-privileges")):
        out = eng("run", "--rm", "-u", str(NOBODY), *opts, image, "whoami-suid").strip()
        rows.append((" ".join(opts) or "(default)", out))
    return rows


# ---- seccomp and capabilities -----------------------------------------------------------------------

def refused_calls(eng: Any) -> list[tuple[str, str]]:
    """What root in a default container gets when it tries the usual first steps of an escape."""
    tries = [("unshare -U sh (a user namespace: all capabilities again)", ["unshare", "-U", "true"]),
             ("unshare -m sh (a mount namespace of its own)", ["unshare", "-m", "true"]),
             ("mount -t tmpfs none /mnt", ["mount", "-t", "tmpfs", "none", "/mnt"])]
    rows = []
    for label, cmd in tries:
        code, out = eng.status("run", "--rm", "busybox", *cmd)
        rows.append((label, out.strip().splitlines()[-1] if out.strip() else f"exit {code}"))
    return rows


# ---- the map ----------------------------------------------------------------------------------------

ROUTES = [  # (attacker, what it goes for, the CVE it mirrors, what stops it here)
    ("root in a container", "the runtime's binary\n(/proc/PID/exe)", "CVE-2019-5736", "non-dumpable runtime\n+ no CAP_SYS_PTRACE"),
    ("root in a container", "services on the\nhost's 127.0.0.1", "CVE-2020-8558", "raw PREROUTING drop\n(CAP_NET_RAW kept)"),
    ("root in a container", "the host's kernel\n(namespaces, mounts)", "-", "capabilities + seccomp\n+ pivot_root"),
    ("a crafted image", "host root during cp\n(libnss_*.so)", "CVE-2019-14271", "no NSS lookups\nafter chroot"),
    ("a crafted image", "host files during\nuser lookup", "CVE-2018-15664", "paths resolved\ninside the image"),
    ("another local user", "setuid programs of layers,\n-e secrets", "CVE-2021-41091", "0710/0700 state\ndirectories"),
]


def escape_map():
    """ROUTES as a graphviz graph: attackers on the left, what they go for on the right, each arrow
    labelled with the CVE it mirrors and the defense that stops it."""
    import graphviz

    g = graphviz.Digraph("escapes", graph_attr={"rankdir": "LR"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": "10"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    for n, (who, target, cve, guard) in enumerate(ROUTES):
        g.node(who, fillcolor="#fecaca")
        g.node(f"t{n}", target, fillcolor="#bbf7d0")
        g.edge(who, f"t{n}", label=f"{cve}\n{guard}", color="#6b7280")
    return g
