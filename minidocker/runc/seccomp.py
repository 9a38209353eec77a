"""linux.seccomp of config.json -> a libseccomp filter (cf. runc libcontainer/seccomp/seccomp_linux.go,
runtime-spec config-linux.md#seccomp).

Docker and containerd put their default profile into every config.json, so it must work: the runtime
compiles the profile before it forks the init (the host's libseccomp is out of reach after pivot_root),
and the init loads it as late as possible, just before it reports ready, so that only the exec fifo and
execve run under it. Compiling Docker's profile (~360 rules) takes libseccomp ~10 ms on every create, so
the exported BPF program is kept under the runtime's root, keyed by the profile, this compiler and the
kernel: the next container with the same profile loads it as it is (runc compiles it each time, in Go).
Like runc: system calls unknown to this kernel's architecture are skipped, a rule whose action equals
the default action is redundant and skipped, and conditions on the same argument become separate rules.
SCMP_ACT_NOTIFY (a listener process) is refused by name.
"""

from __future__ import annotations

import hashlib
import json
import os

from ..errors import InvalidArgument, Unsupported
from ..linux import seccomp as sc  # ctypes only: libseccomp itself is opened when a profile is compiled

EPERM = 1
# linux.seccomp.flags -> the libseccomp filter attribute that asks the kernel for it (None: nothing to do,
# TSYNC only matters to a multi-threaded loader). runc 1.1 ignores the field; runc 1.2 maps it so.
FLAGS = {"SECCOMP_FILTER_FLAG_TSYNC": None, "SECCOMP_FILTER_FLAG_LOG": "FLTATR_CTL_LOG",
         "SECCOMP_FILTER_FLAG_SPEC_ALLOW": "FLTATR_CTL_SSB"}


def _action(name: str, errno_ret: int | None, where: str) -> int:
    simple = {"SCMP_ACT_KILL": sc.ACT_KILL_THREAD, "SCMP_ACT_KILL_THREAD": sc.ACT_KILL_THREAD,
              "SCMP_ACT_KILL_PROCESS": sc.ACT_KILL_PROCESS, "SCMP_ACT_TRAP": sc.ACT_TRAP,
              "SCMP_ACT_ALLOW": sc.ACT_ALLOW, "SCMP_ACT_LOG": sc.ACT_LOG}
    if name in simple:
        return simple[name]
    if name == "SCMP_ACT_ERRNO":
        return sc.ACT_ERRNO | ((EPERM if errno_ret is None else errno_ret) & 0xFFFF)
    if name == "SCMP_ACT_TRACE":
        return sc.ACT_TRACE | ((EPERM if errno_ret is None else errno_ret) & 0xFFFF)
    if name == "SCMP_ACT_NOTIFY":
        raise Unsupported(f"config.json: unsupported field {where}: SCMP_ACT_NOTIFY needs a seccomp listener")
    raise InvalidArgument(f"config.json: {where}: unknown seccomp action {name!r}")


def validate(profile: dict) -> None:
    """Refuse what the filter cannot honour, before anything is created."""
    # Unknown properties are ignored (runtime-spec Extensibility); unknown actions, operators and flags are not.
    flags = profile.get("flags") or []
    if not isinstance(flags, list) or any(f not in FLAGS for f in flags):
        raise InvalidArgument(f"config.json: linux.seccomp.flags {flags!r}: known flags are {', '.join(FLAGS)}")
    if profile.get("listenerPath"):
        raise Unsupported("config.json: unsupported field linux.seccomp.listenerPath")
    _action(profile.get("defaultAction") or "", profile.get("defaultErrnoRet"), "linux.seccomp.defaultAction")
    for i, rule in enumerate(profile.get("syscalls") or []):
        where = f"linux.seccomp.syscalls[{i}]"
        if not isinstance(rule, dict):
            raise InvalidArgument(f"config.json: {where} must be an object")
        _action(rule.get("action") or "", rule.get("errnoRet"), where + ".action")
        for arg in rule.get("args") or []:
            if arg.get("op") not in sc.OPS:
                raise InvalidArgument(f"config.json: {where}.args: unknown operator {arg.get('op')!r}")


def compile_filter(profile: dict):
    """Build (not load) the filter; returns a minidocker.linux.seccomp.Filter."""
    default = _action(profile["defaultAction"], profile.get("defaultErrnoRet"), "linux.seccomp.defaultAction")
    filt = sc.Filter(default)
    for flag in profile.get("flags") or []:
        if FLAGS[flag]:
            filt.set_attribute(getattr(sc, FLAGS[flag]), 1)
    for arch in profile.get("architectures") or []:
        filt.add_arch(arch.removeprefix("SCMP_ARCH_").lower())
    for rule in profile.get("syscalls") or []:
        action = _action(rule["action"], rule.get("errnoRet"), "linux.seccomp.syscalls")
        if action == default:
            continue
        conditions = [(a["index"], sc.OPS[a["op"]], a.get("value", 0), a.get("valueTwo", 0)) for a in rule.get("args") or []]
        indices = [c[0] for c in conditions]
        groups = [[c] for c in conditions] if len(set(indices)) != len(indices) else [conditions]
        for name in rule.get("names") or []:
            number = filt.syscall_number(name)
            if number == sc.NR_ERROR:
                continue  # not a system call here (another architecture, a newer kernel)
            for group in groups:
                filt.add_rule(action, number, group)
    return filt


CACHE_DIR = "@seccomp"  # under the runtime's root; "@" is no character of a container id (state.check_id)
_COMPILER_SOURCES = (__file__,)  # a change to how profiles compile must not reuse programs compiled before it


def _cache_key(profile: dict) -> str:
    h = hashlib.sha256(json.dumps(profile, sort_keys=True, separators=(",", ":")).encode())
    uname = os.uname()
    h.update(f"\0{sc.version()}\0{uname.release}\0{uname.machine}\0".encode())
    for path in (*_COMPILER_SOURCES, sc.__file__):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def program(profile: dict, root: str | None = None):
    """The profile compiled to the BPF program the kernel takes (a minidocker.linux.seccomp.Program): read
    from <root>/@seccomp/ when this profile was compiled before, else compiled now and kept there."""
    path = ""
    if root:
        path = os.path.join(root, CACHE_DIR, _cache_key(profile) + ".bpf")
        try:
            with open(path, "rb") as f:
                data = f.read()
            return sc.Program(data[4:], int.from_bytes(data[:4], "little"))
        except (OSError, ValueError):
            pass  # not compiled yet (or cut short): compile it
    filt = compile_filter(profile)
    try:
        prog = filt.program()
    finally:
        filt.release()
    if path:
        from ..linux.atomicfile import write_atomic

        try:
            os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
            write_atomic(path, prog.flags.to_bytes(4, "little") + prog.bpf, mode=0o600, durable=False)
        except OSError:
            pass  # a read-only or full root: compiled again next time
    return prog
