"""Exercise 10: run options that stop two of chapter 10's attacks, and the permission rule that keeps an
ordinary user out of the engine's layers (cf. capabilities(7) CAP_NET_RAW, prctl(2) PR_SET_NO_NEW_PRIVS,
path_resolution(7) search permission; CVE-2020-8558, CVE-2021-41091; chapter 10)."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from minidocker import paths
from minidocker.attacks import compiler, layer_access, localnet
from minidocker.grade.exercise import Exercise, Facts, unique

EXERCISE = ex = Exercise("10-harden-a-container", "Harden a container")
NOBODY = "65534"


def reference_reachable(path: Path) -> bool:
    """Every directory above `path`, from / down, grants search (x) to others."""
    return all(os.stat(d).st_mode & stat.S_IXOTH for d in reversed(Path(path).parents))


def _scratch_tree(top: Path) -> list[Path]:
    """Directories of several modes with a file in each; the paths the learner's function is asked about."""
    os.chmod(top, 0o711)
    modes = {"open": 0o755, "open/traversable": 0o711, "closed": 0o700, "open/group-only": 0o750,
             "open/traversable/deep": 0o755}
    for rel, mode in modes.items():
        (top / rel).mkdir()
        (top / rel / "secret").write_text("x\n")
        os.chmod(top / rel, mode)
    return [top / rel / "secret" for rel in modes] + [top / "open" / "traversable"]


def _collect_options(facts: Facts, eng, hardened_options) -> None:
    options = facts.call("hardened_options", hardened_options)
    if options is None:
        return
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        facts.errors["hardened_options"] = f"hardened_options() returned {options!r}, not a list of strings"
        return
    if compiler() is None:
        facts.errors["hardened_options"] = "this machine has no C compiler (cc) to build the attackers' images"
        return
    lo, suid = unique("ex10-lo-syn"), unique("ex10-suid")
    with tempfile.TemporaryDirectory(prefix="ex10-") as work:
        localnet.build_image(eng.status, lo, Path(work))
        layer_access.build_image(eng.status, suid, Path(work))
    try:
        facts.values["lo_syn"] = localnet.attack(eng.status, lo, options)
        facts.values["suid"] = eng.status("run", "--rm", "-u", NOBODY, *options, suid, "whoami-suid")
        facts.values["plain"] = eng.status("run", "--rm", *options, "busybox", "sh", "-c", "echo works; id -u")
        facts.values["options"] = options
    finally:
        eng("rmi", "-f", lo, suid, check=False)


@ex.collector
def collect(hardened_options, reachable_by_others) -> Facts:
    facts, eng = Facts(), ex.engine()
    _collect_options(facts, eng, hardened_options)
    parent = Path(tempfile.mkdtemp(prefix="ex10-tree-", dir="/var/tmp"))
    try:
        asked = _scratch_tree(parent) + [paths.state_dir() / "containerd" / "snapshots" / "overlayfs", Path("/etc/passwd")]
        answers = {}
        for p in asked:
            got = facts.call("reachable_by_others", reachable_by_others, p)
            if "reachable_by_others" in facts.errors:
                break
            answers[str(p).replace(str(parent), "<tree>")] = (got, reference_reachable(p))
        facts.values["reachable"] = answers
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    return facts


def _options_ran(f: Facts) -> str | None:
    return None if "options" in f.values else "the containers did not run with these options"


@ex.requirement(1, "with the options, lo-syn cannot even open its raw socket, and the host hears nothing", 2,
                uses=("hardened_options",),
                hint="forging packets takes socket(AF_PACKET), which needs one capability Docker gives every "
                     "container: drop it with --cap-drop")
def no_raw_packets(f: Facts) -> str | None:
    if wrong := _options_ran(f):
        return wrong
    code, out, got = f["lo_syn"]
    if got:
        return f"the host's 127.0.0.1 service received {got!r}"
    last = out.strip().splitlines()[-1] if out.strip() else ""
    return None if "needs CAP_NET_RAW" in out else f"lo-syn still opened its raw socket (exit {code}: {last!r})"


@ex.requirement(2, "with the options, a setuid-root program run by uid 65534 stays uid 65534", 2,
                uses=("hardened_options",),
                hint="execve grants a setuid program its owner's uid unless the process has no_new_privs: "
                     "Docker sets it with --security-opt no-new-privileges")
def no_setuid(f: Facts) -> str | None:
    if wrong := _options_ran(f):
        return wrong
    code, out = f["suid"]
    return None if out.strip() == "euid=65534" else f"the setuid program said {out.strip()!r} (exit {code})"


@ex.requirement(3, "an ordinary container still works with the options, as root, unprivileged", 1,
                uses=("hardened_options",),
                hint="harden, do not disable: no --privileged, no --cap-add, no -u (the workload runs as root)")
def still_works(f: Facts) -> str | None:
    if wrong := _options_ran(f):
        return wrong
    loose = [o for o in f["options"] if o.split("=")[0] in ("--privileged", "--cap-add", "-u", "--user")]
    if loose:
        return f"the options loosen or change the container: {loose}"
    code, out = f["plain"]
    return None if (code, out) == (0, "works\n0\n") else f"`sh -c 'echo works; id -u'` gave exit {code}: {out!r}"


@ex.requirement(4, "reachable_by_others tells which paths an ordinary user can reach", 2, uses=("reachable_by_others",),
                hint="a user reaches a path only if EVERY directory above it, from / down, grants search "
                     "(the x bit) to others: os.stat(d).st_mode & stat.S_IXOTH for each of Path(p).parents")
def reachable(f: Facts) -> str | None:
    wrong = [f"{p}: said {got!r}, is {want}" for p, (got, want) in f["reachable"].items() if got is not want]
    return None if not wrong else "; ".join(wrong[:3])
