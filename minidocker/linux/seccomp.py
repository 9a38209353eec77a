"""seccomp filters through libseccomp (cf. libseccomp's seccomp.h; runc libcontainer/seccomp/seccomp_linux.go
and patchbpf/enosys_linux.go).

libseccomp compiles rules ("allow read", "return EPERM for mount unless ...") into the BPF program the
kernel runs on every system call. The library is loaded lazily: only configs with linux.seccomp need it.
As runc does, the program can be exported (Filter.program) and installed with seccomp(2) directly
(Program.load): a compiled program needs no libseccomp at all.
"""

from __future__ import annotations

import ctypes

ACT_KILL_THREAD = 0x00000000
ACT_KILL_PROCESS = 0x80000000
ACT_TRAP = 0x00030000
ACT_ERRNO = 0x00050000
ACT_TRACE = 0x7FF00000
ACT_LOG = 0x7FFC0000
ACT_ALLOW = 0x7FFF0000

# The runtime spec's operators -> enum scmp_compare.
OPS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4, "SCMP_CMP_GE": 5,
       "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}

NR_ERROR = -1  # __NR_SCMP_ERROR: the name is not a system call of this architecture

# enum scmp_filter_attr: SCMP_FLTATR_CTL_NNP says whether seccomp_load() sets no_new_privs itself.
# libseccomp's default is yes; runc turns it off, so that only process.noNewPrivileges decides.
FLTATR_CTL_NNP = 3
FLTATR_CTL_LOG = 6  # SECCOMP_FILTER_FLAG_LOG: log every action but SCMP_ACT_ALLOW
FLTATR_CTL_SSB = 7  # SECCOMP_FILTER_FLAG_SPEC_ALLOW: no speculative store bypass mitigation forced

# seccomp(2): the operation and the flags those two attributes stand for (linux/seccomp.h).
SYS_SECCOMP = 317  # x86_64
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_LOG = 2
SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4
BPF_INSTRUCTION = 8  # sizeof(struct sock_filter): u16 code, u8 jt, u8 jf, u32 k
BPF_MAXINSNS = 4096  # the kernel refuses a longer program


class SockFprog(ctypes.Structure):
    """struct sock_fprog: the program seccomp(2) takes."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Program:
    """A compiled filter as the kernel takes it (struct sock_filter[]), with its SECCOMP_FILTER_FLAG_* bits."""

    def __init__(self, bpf: bytes, flags: int = 0) -> None:
        if not bpf or len(bpf) % BPF_INSTRUCTION or len(bpf) // BPF_INSTRUCTION > BPF_MAXINSNS:
            raise ValueError(f"not a seccomp BPF program: {len(bpf)} bytes")
        self.bpf = bpf
        self.flags = flags

    def load(self) -> None:
        """Install the program (libseccomp's seccomp_load without its no_new_privs, as runc's own loader):
        needs no_new_privs or CAP_SYS_ADMIN (man 2 seccomp)."""
        from .libc import syscall

        code = ctypes.create_string_buffer(self.bpf, len(self.bpf))
        prog = SockFprog(len(self.bpf) // BPF_INSTRUCTION, ctypes.cast(code, ctypes.c_void_p))
        syscall(SYS_SECCOMP, ctypes.c_uint(SECCOMP_SET_MODE_FILTER), ctypes.c_uint(self.flags),
                ctypes.byref(prog), what="seccomp(SECCOMP_SET_MODE_FILTER)")


def version() -> str:
    """libseccomp's version ("2.5.4"): its compiler's output may differ between versions."""
    v = lib().seccomp_version().contents
    return f"{v.major}.{v.minor}.{v.micro}"


class ArgCmp(ctypes.Structure):
    """struct scmp_arg_cmp."""

    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


class Version(ctypes.Structure):
    """struct scmp_version."""

    _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]


_lib: list[ctypes.CDLL] = []


def lib() -> ctypes.CDLL:
    """libseccomp.so.2 (installed with runc); OSError if it is missing."""
    if not _lib:
        so = ctypes.CDLL("libseccomp.so.2", use_errno=True)
        so.seccomp_init.restype = ctypes.c_void_p
        so.seccomp_init.argtypes = [ctypes.c_uint32]
        so.seccomp_release.argtypes = [ctypes.c_void_p]
        so.seccomp_load.argtypes = [ctypes.c_void_p]
        so.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
        so.seccomp_attr_get.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint32)]
        so.seccomp_arch_resolve_name.restype = ctypes.c_uint32
        so.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
        so.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        so.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        so.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        so.seccomp_version.restype = ctypes.POINTER(Version)
        so.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                              ctypes.POINTER(ArgCmp)]
        _lib.append(so)
    return _lib[0]


class Filter:
    """A filter under construction; load() installs it on the calling thread (and its future children)."""

    def __init__(self, default_action: int) -> None:
        self.lib = lib()
        self.ctx = self.lib.seccomp_init(default_action)
        if not self.ctx:
            raise OSError("seccomp_init failed")
        # Loading must not set no_new_privs behind the spec's back (setuid binaries and file
        # capabilities would stop working): the caller sets it when, and only when, it is asked for.
        rc = self.lib.seccomp_attr_set(self.ctx, FLTATR_CTL_NNP, 0)
        if rc < 0:
            raise OSError(-rc, "seccomp_attr_set SCMP_FLTATR_CTL_NNP")

    def sets_no_new_privs(self) -> bool:
        """Whether seccomp_load() would set no_new_privs itself (libseccomp's filter attribute)."""
        return bool(self.attribute(FLTATR_CTL_NNP))

    def attribute(self, attr: int) -> int:
        value = ctypes.c_uint32()
        rc = self.lib.seccomp_attr_get(self.ctx, attr, ctypes.byref(value))
        if rc < 0:
            raise OSError(-rc, f"seccomp_attr_get {attr}")
        return value.value

    def set_attribute(self, attr: int, value: int) -> None:
        rc = self.lib.seccomp_attr_set(self.ctx, attr, value)
        if rc < 0:
            raise OSError(-rc, f"seccomp_attr_set {attr}")

    def add_arch(self, name: str) -> None:
        """A libseccomp architecture name ("x86_64", "x86", "x32"); the native one is always present."""
        token = self.lib.seccomp_arch_resolve_name(name.encode())
        if token == 0:
            raise ValueError(f"unknown seccomp architecture {name!r}")
        rc = self.lib.seccomp_arch_add(self.ctx, token)
        if rc not in (0, -17):  # -EEXIST: already in the filter
            raise OSError(-rc, f"seccomp_arch_add {name}")

    def syscall_number(self, name: str) -> int:
        return self.lib.seccomp_syscall_resolve_name(name.encode())

    def add_rule(self, action: int, number: int, conditions: list[tuple[int, int, int, int]]) -> None:
        """conditions: (argument index, operator, value, second value) all of which must hold."""
        array = (ArgCmp * max(len(conditions), 1))(*[ArgCmp(*c) for c in conditions])
        rc = self.lib.seccomp_rule_add_array(self.ctx, action, number, len(conditions), array)
        if rc < 0:
            raise OSError(-rc, f"seccomp_rule_add for system call {number}")

    def load(self) -> None:
        """Install the filter: needs no_new_privs or CAP_SYS_ADMIN (man 2 seccomp)."""
        rc = self.lib.seccomp_load(self.ctx)
        if rc < 0:
            raise OSError(-rc, "seccomp_load")

    def program(self) -> Program:
        """The BPF program seccomp_load() would install, with the flags it would pass (seccomp_export_bpf)."""
        import os

        fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
        try:
            rc = self.lib.seccomp_export_bpf(self.ctx, fd)
            if rc < 0:
                raise OSError(-rc, "seccomp_export_bpf")
            size = os.lseek(fd, 0, os.SEEK_END)
            bpf = os.pread(fd, size, 0)
        finally:
            os.close(fd)
        flags = (SECCOMP_FILTER_FLAG_LOG if self.attribute(FLTATR_CTL_LOG) else 0) | \
                (SECCOMP_FILTER_FLAG_SPEC_ALLOW if self.attribute(FLTATR_CTL_SSB) else 0)
        return Program(bpf, flags)

    def release(self) -> None:
        if self.ctx:
            self.lib.seccomp_release(self.ctx)
            self.ctx = None
