"""The cgroup v2 device controller: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to a cgroup
(cf. runc libcontainer/cgroups/devices/devicefilter.go and ebpf_linux.go; linux/bpf.h; kernel
Documentation/admin-guide/cgroup-v2.rst "Device controller").

cgroup v2 has no devices.allow/deny files: the kernel runs the attached program on every open or mknod of
a device node and allows the access when it returns 1. The program is assembled here from a list of
exceptions (what emulating v1's rules in order left), eight bytes per instruction.
"""

from __future__ import annotations

import ctypes
import os
import struct

from .libc import check, libc

SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine, 321)  # the bpf(2) system call number
BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6  # enum bpf_attach_type
BPF_F_ALLOW_MULTI = 2

# struct bpf_cgroup_dev_ctx { u32 access_type /* access << 16 | type */; u32 major; u32 minor; }
DEV_TYPES = {"b": 1, "c": 2}  # BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR
ACCESS = {"m": 1, "r": 2, "w": 4}  # BPF_DEVCG_ACC_MKNOD, _READ, _WRITE

# Opcodes used (BPF_CLASS | BPF_OP | BPF_SRC).
LDX_W = 0x61  # r_dst = *(u32 *)(r_src + off)
AND_K = 0x57  # r_dst &= imm (64-bit ALU)
RSH_K = 0x77  # r_dst >>= imm
MOV_K = 0xB7  # r_dst = imm
MOV_X = 0xBF  # r_dst = r_src
JNE_K = 0x55  # if r_dst != imm: pc += off
JEQ_K = 0x15  # if r_dst == imm: pc += off
EXIT = 0x95


def _insn(op: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    """struct bpf_insn; imm is a signed 32-bit field (the CPU sign-extends it for 64-bit operations)."""
    imm &= 0xFFFFFFFF
    return struct.pack("<BBhi", op, (src << 4) | dst, off, imm - (1 << 32) if imm >= 1 << 31 else imm)


def _access_bits(access: str) -> int:
    return sum(ACCESS[c] for c in set(access))


def program(allow_all: bool, exceptions: dict[str, str]) -> bytes:
    """The filter for a default (allow or deny everything) and its exceptions {"c 1:3": "rwm", "b 7:*": "r"}.

    r2 = device type, r3 = requested access, r4 = major, r5 = minor. Each exception is a block that falls
    through to the next one unless the device matches. Default deny: the access is allowed when one allowing
    exception matches and covers every requested bit. Default allow: denied when a denying exception matches
    and shares any requested bit.
    """
    code = [_insn(LDX_W, 2, 1, 0), _insn(AND_K, 2, 0, 0, 0xFFFF), _insn(LDX_W, 3, 1, 0), _insn(RSH_K, 3, 0, 0, 16),
            _insn(LDX_W, 4, 1, 4), _insn(LDX_W, 5, 1, 8)]
    for key, access in exceptions.items():
        kind, numbers = key.split()
        major, minor = numbers.split(":")
        bits = _access_bits(access)
        block = []
        # Each test jumps to the end of this block (to the next exception) when the device does not match.
        tests = []
        if kind in DEV_TYPES:
            tests.append((2, DEV_TYPES[kind]))
        if major != "*":
            tests.append((4, int(major)))
        if minor != "*":
            tests.append((5, int(minor)))
        # the access test: r1 = r3 & ~bits must be 0 (deny-default: all requested bits covered), or
        # r1 = r3 & bits must be non-zero (allow-default: some requested bit denied)
        tail = [_insn(MOV_X, 1, 3), _insn(AND_K, 1, 0, 0, ~bits if not allow_all else bits)]
        tail.append(_insn(JNE_K if not allow_all else JEQ_K, 1, 0, 2, 0))  # skip the return: no match
        tail += [_insn(MOV_K, 0, 0, 0, 0 if allow_all else 1), _insn(EXIT)]
        remaining = len(tests) + len(tail)
        for i, (reg, value) in enumerate(tests):
            block.append(_insn(JNE_K, reg, 0, remaining - i - 1, value))
        code += block + tail
    code += [_insn(MOV_K, 0, 0, 0, 1 if allow_all else 0), _insn(EXIT)]
    return b"".join(code)


class _ProgLoad(ctypes.Structure):
    _fields_ = [("prog_type", ctypes.c_uint32), ("insn_cnt", ctypes.c_uint32), ("insns", ctypes.c_uint64),
                ("license", ctypes.c_uint64), ("log_level", ctypes.c_uint32), ("log_size", ctypes.c_uint32),
                ("log_buf", ctypes.c_uint64), ("kern_version", ctypes.c_uint32), ("prog_flags", ctypes.c_uint32)]


class _ProgAttach(ctypes.Structure):
    _fields_ = [("target_fd", ctypes.c_uint32), ("attach_bpf_fd", ctypes.c_uint32),
                ("attach_type", ctypes.c_uint32), ("attach_flags", ctypes.c_uint32)]


def _bpf(cmd: int, attr: ctypes.Structure, what: str) -> int:
    return check(libc.syscall(ctypes.c_long(SYS_BPF), ctypes.c_int(cmd), ctypes.byref(attr),
                              ctypes.c_uint(ctypes.sizeof(attr))), what)


def attach_device_filter(cgroup_dir: str, code: bytes) -> None:
    """Load `code` and attach it to the cgroup v2 directory (its processes and descendants)."""
    insns = ctypes.create_string_buffer(code, len(code))
    license_ = ctypes.create_string_buffer(b"Apache")
    log = ctypes.create_string_buffer(65536)
    load = _ProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, len(code) // 8, ctypes.addressof(insns),
                     ctypes.addressof(license_), 1, len(log), ctypes.addressof(log), 0, 0)
    try:
        prog = _bpf(BPF_PROG_LOAD, load, "bpf(BPF_PROG_LOAD) of the device filter")
    except OSError as e:
        detail = log.value.decode(errors="replace").strip().splitlines()
        raise OSError(e.errno, f"{e.strerror}" + (f" ({detail[-1]})" if detail else "")) from None
    target = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _bpf(BPF_PROG_ATTACH, _ProgAttach(target, prog, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI),
             "bpf(BPF_PROG_ATTACH) of the device filter")
    finally:
        os.close(target)
        os.close(prog)  # the attachment holds the program while the cgroup lives
