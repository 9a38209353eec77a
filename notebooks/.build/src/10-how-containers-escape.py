# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · How containers escape, and why they don't
#
# *Source §1.4: "容器是在操作系统层面上实现虚拟化, 直接复用本地主机的操作系统" — containers virtualise at the level of
# the operating system and reuse the host's kernel directly.*
#
# ## Motivation
#
# Chapter 03 showed that a container is a host process sharing the host's kernel. Its root user is
# uid 0 on the host too. So what keeps a container — or an image someone else built — from taking the
# machine? Not one wall, but several thin ones, each stopping a different way out (逃逸, escape):
# **capabilities** (能力) that split root's power, a **seccomp** filter on system calls, **namespaces**
# and `pivot_root`, file **permissions**, and the care the engine itself takes whenever it touches a
# container as host root.
#
# Each wall has been breached once in Docker, runc or Kubernetes; each breach is a published CVE. In
# this chapter you run three of those attacks, for real, from images you build yourself, against this
# course's engine — and watch them fail. Every attack aims only at things the cell itself creates (a
# listener, a secret, a container).

# %%
from pathlib import Path

from minidocker import paths, teach
from minidocker.attacks import lesson, localnet, proc_exe
from minidocker.linux import process
from minidocker.observe import chapter_engine, engine_teardown

teach.require_root()
eng = chapter_engine.reset("ch10")   # its own engine under the course root; no containers, only busybox
WORK = eng.root / "work"              # build contexts of the attackers' images

# %% [markdown]
# ## How Docker does it
#
# Docker starts every container with its own namespaces, 14 of root's ~40 capabilities, a seccomp
# profile that refuses about 50 system calls, read-only and masked `/proc` paths, and `pivot_root` into
# the image. On the host, it keeps its state directories closed to other users. The map below is drawn
# from the table the rest of this chapter runs: who attacks, what they go for, the CVE each attack
# mirrors and what stops it.

# %%
teach.show_diagram(lesson.escape_map())

# %% [markdown]
# ## 1. The first steps of any escape are refused
#
# An attacker inside a container usually starts by getting more power: a **user namespace** (in which
# it would hold every capability again), a **mount namespace** of its own, or a `mount`. Try them as
# root in a default container:

# %%
teach.table(["what root in a default container tries", "what it gets"], lesson.refused_calls(eng))

# %% [markdown]
# `unshare` is refused by **seccomp**: Docker's default profile allows `unshare`/`clone` with namespace
# flags only to a container holding CAP_SYS_ADMIN. `mount` fails on **capabilities**: the container's
# root does not hold CAP_SYS_ADMIN. These are the 14 it does hold:

# %%
from minidocker.oci import defaults  # noqa: E402

print(", ".join(c.removeprefix("CAP_") for c in defaults.DEFAULT_CAPABILITIES))

# %% [markdown]
# ## 2. The runtime's own binary (CVE-2019-5736)
#
# `docker exec` asks runc to enter the container's namespaces. For a moment, a process *inside* the
# container's pid namespace is runc itself, and `/proc/PID/exe` of that process is a handle on the host's
# runc binary. In 2019 a container opened it, waited for runc to exit, and wrote its own program over the
# host's runc: the next `docker run` on that host ran the attacker's code as root.
#
# Our runtime is a Python program, so the handle would be the host's Python. This container's main
# process scans `/proc` for it forever, trying to read it and to open it for writing, while we `exec`
# into the container again and again:

# %%
print(proc_exe.SCANNER)

# %%
teach.table(["the attack", "count"], lesson.proc_exe_attack(eng, execs=20))

# %% [markdown]
# Why nothing? Opening `/proc/PID/exe` of another process is a ptrace-like access: the kernel allows it
# (`ptrace_may_access`) only if the target is **dumpable**, or if the opener holds CAP_SYS_PTRACE — which
# containers lack. Here is that rule on two host processes, read by a root without CAP_SYS_PTRACE:

# %%
teach.table(["target process", lesson.opener() + " opening /proc/PID/exe"], lesson.dumpable_rule())

# %% [markdown]
# So the runtime turns its dumpable flag off before it forks into the container (the flag is inherited,
# and the container program's own `execve` turns it back on). runc does the same, and goes further: it
# first copies itself into a sealed **memfd** (an anonymous in-memory file, `memfd_create` +
# `F_SEAL_WRITE`) and re-executes from it, so even an opened handle cannot be written.

# %% tags=["nbval-ignore-output"]
teach.show_source(process.set_dumpable)

# %% [markdown]
# ## 3. The host's loopback (CVE-2020-8558)
#
# Services that listen on `127.0.0.1` — this course's registry, JupyterLab — believe only the host can
# reach them. But published ports on `127.0.0.1` need `route_localnet=1` on the bridge, which also makes
# the host accept packets *for* 127.0.0.1 arriving *from* the bridge. A container cannot address them
# through its own stack (its 127.0.0.1 is its own loopback), but it holds **CAP_NET_RAW**, so it can
# build the packets by hand and send them straight to the gateway's MAC address. That is `lo-syn`, a
# small C program built into the attacker's image:

# %%
print(localnet.SOURCE.read_text().split("*/", 1)[0] + "*/")

# %% [markdown]
# The cell opens a listener on the host's 127.0.0.1 (a port the kernel picks), then runs `lo-syn` in a
# container against it:

# %%
as_root = teach.root_only(lesson.NEEDS_ROOT["loopback"])  # a learner: skipped, saying why
teach.table(["", "result"], lesson.localnet_attack(eng, WORK)) if as_root else None

# %% [markdown]
# The SYN left the container; no answer came back. The engine drops every packet for 127.0.0.0/8 that
# arrives from one of its bridges, in the `raw` table before routing even sees it (kube-proxy added the
# same rule for this CVE):

# %%
print("\n".join(lesson.localnet_rules(eng))) if teach.root_only(lesson.NEEDS_ROOT["loopback"]) else None

# %% [markdown]
# A second wall: without CAP_NET_RAW (`--cap-drop NET_RAW`) the container cannot even open the raw socket.

# %%
no_raw = ("--cap-drop", "NET_RAW")
teach.table(["with --cap-drop NET_RAW", "result"], lesson.localnet_attack(eng, WORK, no_raw)) if teach.root_only(
    lesson.NEEDS_ROOT["loopback"]) else None

# %% [markdown]
# ## 4. Another user on the same machine (CVE-2021-41091)
#
# On a class server, learners share one host. Until Docker 20.10.9, `/var/lib/docker`'s layer and
# container directories were open to every user: anyone could walk into an image layer and run its
# **setuid-root** programs as root, or read a container's configuration with the secrets passed by `-e`.
#
# This image carries a setuid-root program that prints its effective uid; a container runs from it with
# a secret in its environment. A probe then walks the engine's root, first as root, then as `nobody`,
# running every setuid-root program and reading every file it can reach:

# %%
header = ["who walks the engine's root", "ran a setuid program as root", "read the -e secret"]
teach.table(header, lesson.local_user_attack(eng, WORK)) if teach.root_only(lesson.NEEDS_ROOT["other-user"]) else None

# %% [markdown]
# The wall here is plain Unix **permissions**: the engine creates its directories closed to other users
# and closes them again at every start, in case an older version left them open:

# %%
teach.table(["directory under the engine's root", "mode"], lesson.state_modes(eng))

# %% tags=["nbval-ignore-output"]
teach.show_source(paths.restrict)

# %% [markdown]
# Inside a container, though, setuid programs work: the image's `su` or `ping` must. Unless the container
# is started with **no_new_privs** (`--security-opt no-new-privileges`): then `execve` never grants more
# privileges than the caller had, setuid bits and file capabilities included. The same program, run by
# uid 65534 inside a container:

# %%
teach.table(["run -u 65534 ...", "the setuid-root program says"], lesson.no_new_privs(eng, WORK))

# %% [markdown]
# ## Our version
#
# Two more attacks run in the test suite rather than here: an image whose `/etc/nsswitch.conf` makes
# `docker cp`'s helper load the image's own `libnss_evil.so.2` as host root (CVE-2019-14271), and an image
# whose `/etc/passwd` is a symlink to a host file or a FIFO. The helper behind `cp` chroots into the
# container, never asks glibc for a user name, and shuts off Python's imports once inside:

# %% tags=["nbval-ignore-output"]
from minidocker.dockerd.containers import archive_child, image_files  # noqa: E402

teach.show_source(archive_child.seal_imports)

# %% [markdown]
# and the image's `/etc/passwd` is resolved component by component inside the image's layers, as
# moby's `FollowSymlinkInScope` and the kernel's `openat2(RESOLVE_IN_ROOT)` do:

# %% tags=["nbval-ignore-output"]
teach.show_source(image_files.resolve)

# %% [markdown]
# `docs/threat-model.md` lists every defense, the test that performs its attack, and what the engine does
# **not** defend (the `minidocker` group is root; `--privileged` turns the walls off; there is no user
# namespace by default; a kernel bug is a host compromise).
#
# ## Clean-up
#
# Take this chapter's engine down: its daemons, bridge and cgroups (its images stay on disk for the next run).

# %%
print("; ".join(engine_teardown.remove(eng)), "| engine answers:", teach.ping(eng.socket))

# %% [markdown]
# ## Recap
#
# - Root in a container is uid 0 on the host, reduced by **capabilities** (14 of them), a **seccomp**
#   filter, **namespaces** and `pivot_root` (the mount namespace's propagation is one-way: mounts made
#   inside never reach the host).
# - The engine itself touches containers as host root: the runtime joining a container (`exec`), the
#   `cp` helper, the user lookup. Each of those moments has been an escape: the runtime goes in
#   **non-dumpable** (runc also re-executes from a sealed **memfd**), the helper loads nothing from the
#   container, paths are resolved inside the image.
# - CAP_NET_RAW lets a container forge packets; `route_localnet` must not let them reach the host's
#   loopback.
# - Other users are kept out by plain **permissions** (0710/0700); setuid programs inside a container are
#   tamed by **no_new_privs**.
#
# ## Questions
#
# 1. The scanner of section 2 saw no handle at all. Which line of `lesson.dumpable_rule`'s result explains
#    why `readlink /proc/PID/exe` failed too?
# 2. Run section 3's attack with `--cap-add NET_ADMIN`: could the container route 127.0.0.0/8 to its
#    gateway with `ip route` instead of forging packets? Would the engine's rule still stop it?
# 3. Why must the engine re-apply its directory modes at every start, and not only when it creates them?
# 4. `--security-opt no-new-privileges` stopped the setuid program. Why does Docker not turn it on by default?
# 5. Which of the defenses in this chapter would a user namespace (`userns-remap`) make unnecessary,
#    and which would still be needed?
#
# **Exercise:** `exercises/10-harden-a-container/student.ipynb` — the `run` options that stop two of these
# attacks, and the permission rule that keeps other users out of the engine's layers.
