"""Docker's default seccomp profile as data, and its translation to a runtime-spec linux.seccomp
(cf. moby profiles/seccomp/default.json and profiles/seccomp/seccomp_linux.go).

The profile is an allow-list: every system call not named here fails with EPERM (defaultAction
SCMP_ACT_ERRNO, errnoRet 1). Some calls are allowed only for containers holding a capability (mount
needs CAP_SYS_ADMIN, reboot CAP_SYS_BOOT, ...): dockerd resolves those conditions against the
container's capability set and the host's architecture, so config.json holds plain runtime-spec rules
that runc, crun and minirunc all read the same way.
"""

from __future__ import annotations

import platform
from typing import Any

EPERM = 1
ENOSYS = 38

# Namespace flags of clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7E020000.
CLONE_NAMESPACE_FLAGS = 0x7E020000

# Go architecture names (what moby's includes/excludes use) for this machine, and the libseccomp
# architectures a filter on it must cover (a 64-bit x86 process may also make i386 and x32 calls).
_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm", "s390x": "s390x",
           "ppc64le": "ppc64le", "riscv64": "riscv64"}
_ARCHES = {"amd64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
           "arm64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
           "s390x": ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"],
           "riscv64": ["SCMP_ARCH_RISCV64"]}

# Allowed for every container, grouped by what they are for (the names are the kernel's; a name this
# kernel/architecture does not know is skipped by the runtime).
ALWAYS = {
    "files and directories": """
        access faccessat faccessat2 chdir fchdir getcwd chmod fchmod fchmodat chown chown32 fchown fchown32
        fchownat lchown lchown32 creat open openat openat2 close close_range link linkat symlink symlinkat
        unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir mknod mknodat readlink readlinkat
        stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64
        truncate truncate64 ftruncate ftruncate64 getdents getdents64 umask utime utimes utimensat
        utimensat_time64 futimesat name_to_handle_at fallocate
        getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr listxattr llistxattr flistxattr
        removexattr lremovexattr fremovexattr flock fcntl fcntl64 inotify_init inotify_init1
        inotify_add_watch inotify_rm_watch fanotify_mark""",
    "reading and writing": """
        read readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek _llseek sendfile
        sendfile64 splice tee vmsplice copy_file_range readahead fadvise64 fadvise64_64 fsync fdatasync
        sync syncfs sync_file_range dup dup2 dup3 pipe pipe2 ioctl
        io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
        io_uring_setup io_uring_enter io_uring_register""",
    "waiting on descriptors": """
        select _newselect pselect6 pselect6_time64 poll ppoll ppoll_time64 epoll_create epoll_create1
        epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2 eventfd eventfd2
        signalfd signalfd4 timerfd_create timerfd_settime timerfd_settime64 timerfd_gettime
        timerfd_gettime64""",
    "memory": """
        brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2 mlockall munlock munlockall
        remap_file_pages membarrier memfd_create memfd_secret pkey_alloc pkey_free pkey_mprotect""",
    "processes and threads": """
        execve execveat exit exit_group fork vfork wait4 waitid waitpid getpid getppid gettid getpgid
        setpgid getpgrp getsid setsid set_tid_address set_thread_area get_thread_area set_robust_list
        get_robust_list futex futex_time64 futex_waitv rseq restart_syscall prctl capget capset
        getrlimit setrlimit ugetrlimit prlimit64 getrusage getpriority setpriority ioprio_get ioprio_set
        sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr sched_getparam
        sched_setparam sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min
        sched_rr_get_interval sched_rr_get_interval_time64 getcpu pidfd_open pidfd_send_signal
        process_mrelease seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self""",
    "identity": """
        getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32 getresuid getresuid32
        getresgid getresgid32 getgroups getgroups32 setuid setuid32 setgid setgid32 setreuid setreuid32
        setregid setregid32 setresuid setresuid32 setresgid setresgid32 setfsuid setfsuid32 setfsgid
        setfsgid32 setgroups setgroups32""",
    "signals": """
        kill tkill tgkill rt_sigaction rt_sigprocmask rt_sigpending rt_sigsuspend rt_sigreturn
        rt_sigqueueinfo rt_tgsigqueueinfo rt_sigtimedwait rt_sigtimedwait_time64 sigaltstack sigprocmask
        sigreturn pause alarm getitimer setitimer""",
    "time": """
        time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 clock_nanosleep
        clock_nanosleep_time64 nanosleep times adjtimex clock_adjtime clock_adjtime64 timer_create
        timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64""",
    "sockets (socket itself is filtered below)": """
        socketpair bind listen accept accept4 connect getsockname getpeername getsockopt setsockopt
        send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg recvmmsg_time64 shutdown socketcall""",
    "System V and POSIX IPC (inside the container's own ipc namespace)": """
        ipc msgget msgsnd msgrcv msgctl semget semop semtimedop semtimedop_time64 semctl shmget shmat shmdt
        shmctl mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64
        mq_notify mq_getsetattr""",
    "system information": "uname sysinfo getrandom",
}

# Allowed only when the container holds the capability (the kernel would refuse most of them anyway;
# the filter keeps the attack surface of those code paths away from unprivileged containers).
BY_CAPABILITY = {
    "CAP_SYS_ADMIN": """
        bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
        move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog
        umount umount2 unshare""",
    "CAP_DAC_READ_SEARCH": "open_by_handle_at",
    "CAP_SYS_BOOT": "reboot",
    "CAP_SYS_CHROOT": "chroot",
    "CAP_SYS_MODULE": "delete_module init_module finit_module",
    "CAP_SYS_PACCT": "acct",
    "CAP_SYS_PTRACE": "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace",
    "CAP_SYS_RAWIO": "iopl ioperm",
    "CAP_SYS_TIME": "settimeofday stime clock_settime clock_settime64",
    "CAP_SYS_TTY_CONFIG": "vhangup",
    "CAP_SYS_NICE": "get_mempolicy mbind set_mempolicy set_mempolicy_home_node",
    "CAP_SYSLOG": "syslog",
    "CAP_BPF": "bpf",
    "CAP_PERFMON": "perf_event_open",
}

# Allowed on one architecture family only.
BY_ARCH = {
    "amd64": "arch_prctl modify_ldt",
    "386": "modify_ldt",
    "arm64": "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
    "arm": "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
    "ppc64le": "sync_file_range2 swapcontext",
    "s390x": "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr",
    "riscv64": "riscv_flush_icache",
}

# ptrace within the container's pid namespace is safe since kernel 4.8 (seccomp is rechecked after a
# tracer changes the system call); the allow-list grants it to everyone.
PTRACE_SINCE_4_8 = "process_vm_readv process_vm_writev ptrace"

# personality(2): only the harmless personas (Linux, UNAME26, 32-bit, and the query 0xffffffff).
PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF]

AF_VSOCK = 40  # socket(2) for every address family but vsock (talks to the hypervisor)


def go_arch(machine: str | None = None) -> str:
    machine = machine or platform.machine()
    return _GOARCH.get(machine, machine)


def _allow(names: str, **extra: Any) -> dict[str, Any]:
    return {"names": names.split(), "action": "SCMP_ACT_ALLOW", **extra}


def profile(capabilities: list[str], arch: str | None = None) -> dict[str, Any]:
    """linux.seccomp for a container holding `capabilities` on `arch` (Go name; default: this machine)."""
    arch = arch or go_arch()
    caps = set(capabilities)
    rules = [_allow(" ".join(" ".join(v.split()) for v in ALWAYS.values()))]
    rules.append(_allow(PTRACE_SINCE_4_8))
    rules.append(_allow("socket", args=[{"index": 0, "value": AF_VSOCK, "op": "SCMP_CMP_NE"}]))
    rules += [_allow("personality", args=[{"index": 0, "value": p, "op": "SCMP_CMP_EQ"}]) for p in PERSONALITIES]
    if arch in BY_ARCH:
        rules.append(_allow(BY_ARCH[arch]))
    for cap, names in BY_CAPABILITY.items():
        if cap in caps:
            rules.append(_allow(names))
    if "CAP_SYS_ADMIN" not in caps:
        # clone for threads and processes, but not for new namespaces (a user namespace would hand back
        # every capability inside it). s390 passes the flags as the second argument.
        index = 1 if arch in ("s390x", "s390") else 0
        rules.append(_allow("clone", args=[{"index": index, "value": CLONE_NAMESPACE_FLAGS, "valueTwo": 0,
                                            "op": "SCMP_CMP_MASKED_EQ"}]))
        # clone3 passes its flags in a struct the filter cannot read: ENOSYS makes libc fall back to clone.
        rules.append({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS})
    return {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": EPERM,
            "architectures": list(_ARCHES.get(arch, [])), "syscalls": rules}


def wanted(security_opt: list[str] | None, privileged: bool) -> bool:
    """Docker: no filter for --privileged or --security-opt seccomp=unconfined."""
    if privileged:
        return False
    for opt in security_opt or []:
        key, _, value = opt.replace(":", "=", 1).partition("=")
        if key == "seccomp" and value == "unconfined":
            return False
    return True
