# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · runc and the OCI runtime spec
#
# *Source §2.1.4: "Runc ... OCI容器运行时规范的实现" — runc is the reference implementation of the OCI container
# runtime specification.*
#
# ## Motivation
#
# Everything above the runtime (dockerd, containerd, the shim) only *asks* for a container. The program that
# actually makes one is the **container runtime** (容器运行时): it reads a directory called an **OCI bundle**
# (a `config.json` plus a root filesystem), asks the kernel for **namespaces** (命名空间) and **cgroups**
# (控制组), switches the root filesystem, starts the container's first process, and exits. The source
# document says it in one line: runc creates the container, starts its process, and exits.
#
# In this chapter you build a bundle by hand and drive `minirunc`, our runtime, through the OCI
# lifecycle verbs — `create`, `start`, `state`, `kill`, `delete` — reading `/proc` at every step. Then the
# very same bundle runs under the real `runc`.

# %%
from minidocker import teach
from minidocker.course import course_root
from minidocker.observe import nsdiff, oci_runtime as lab
from minidocker.runc import container, rootfs

teach.require_root()
WORK = course_root() / "ch06"             # this chapter's files, under the course root ($MINIDOCKER_COURSE_ROOT)
MINI, REAL = WORK / "run" / "minirunc", WORK / "run" / "runc"  # each runtime keeps its state under its own --root
for program, root in (("minirunc", MINI), ("runc", REAL)):
    for cid in ("ch06", "ch06-probe"):
        lab.runtime(program, root, "delete", "--force", cid, check=False)  # leftovers of an earlier run

# %% [markdown]
# ## How Docker does it
#
# `docker run` goes client → dockerd → containerd → shim → **runc**. The shim calls
# `runc create --bundle DIR ID`, then `runc start ID`. The OCI runtime spec defines those verbs and the
# **state** a container moves through. Here is that state machine, drawn from `minirunc`'s own transition
# table (the code refuses any move that is not an arrow):

# %%
teach.show_diagram(lab.lifecycle_graph())

# %% [markdown]
# Between `create` and `start` the container exists — namespaces made, root filesystem mounted, cgroups
# joined — but its program has not begun. runc makes the container's first process (its *init*) wait on
# a named pipe, the **exec fifo**; `start` opens the other end, and only then does the init `execve()` the
# program. That split is what lets containerd set up networking or attach stdio in between.

# %% [markdown]
# ## 1. An OCI bundle by hand
#
# A bundle is just a directory. `minirunc spec` writes the same default `config.json` as `runc spec`;
# we put the busybox root filesystem beside it and edit a few lines, as one would in an editor.
# (As a learner without root, `make_bundle` asks for `minirunc spec --rootless`, as `runc spec --rootless`:
# a user namespace in which you are root, the host's network, no cgroup limits.)

# %%
bundle = lab.make_bundle(WORK / "bundle")
print(sorted(p.name for p in bundle.iterdir()))
print(sorted(p.name for p in (bundle / "rootfs").iterdir()))

# %%
spec = lab.edit_config(bundle, process__args=["sleep", "3600"], process__terminal=False, hostname="ch06")
print("process:", spec["process"]["args"], "| root:", spec["root"], "| hostname:", spec["hostname"])
print("namespaces:", [ns["type"] for ns in spec["linux"]["namespaces"]])
print("mounts:", [m["destination"] for m in spec["mounts"]])

# %% [markdown]
# And a memory limit of 64 MiB (`linux.resources.memory.limit`). A runtime may only write it into a cgroup it
# can make: root always can; an ordinary user only in a cgroup subtree delegated to them. Where it cannot,
# minirunc refuses the limit (as runc does) rather than run the container without it:

# %%
limited = lab.limit_memory(bundle, MINI, 64 * 1024 * 1024)

# %% [markdown]
# `minirunc` reads this file into typed objects and refuses anything it does not implement, naming the
# field — it never silently ignores part of a configuration:

# %%
good = (bundle / "config.json").read_text()
lab.edit_config(bundle, linux__intelRdt={"closID": "x"})  # Intel RDT cache allocation: not implemented
print(lab.runtime("minirunc", MINI, "create", "--bundle", str(bundle), "ch06", check=False))
_ = (bundle / "config.json").write_text(good)  # back to the good configuration

# %% [markdown]
# ## 2. `create`: the container exists, its program waits
#
# `create` returns as soon as the init is ready and blocked on the exec fifo. The runtime process itself
# exits: what is left is the init alone, adopted by the host.

# %%
lab.runtime("minirunc", MINI, "create", "--bundle", str(bundle), "ch06")
st = lab.state("minirunc", MINI, "ch06")
print("status:", st["status"])
teach.table(["what /proc says about the init", "value"], lab.describe_init(st["pid"]))

# %%
# Every runtime process working under our --root: only the waiting init, no minirunc left running.
print(lab.runtime_processes(MINI))

# %% [markdown]
# How did it get there? `create` forked the init after unsharing a new PID namespace; the init made the
# other namespaces, mounted `/proc`, `/dev`, `/sys` and the cgroup files inside the bundle's root, and
# switched root with `pivot_root` — not `chroot`, which a process can escape:

# %% tags=["nbval-ignore-output"]
teach.show_source(rootfs.pivot)

# %% [markdown]
# ## 3. `start`, `state`
#
# `start` opens the read end of the exec fifo. The init's blocked `open()` returns, it `execve()`s
# `sleep`, and the status becomes *running*. `state` prints the spec's state document.

# %%
lab.runtime("minirunc", MINI, "start", "ch06")
print(teach.rooted(lab.runtime("minirunc", MINI, "state", "ch06")))
print("the init is now:", lab.describe_init(st["pid"])[0][1])

# %% [markdown]
# ## 4. Namespaces: host versus container
#
# Each namespace is a kernel object with an inode number. The container's init has its own mount, PID,
# network, IPC and UTS namespaces; it shares the others (user, cgroup) with the host, exactly as
# the `namespaces` list of `config.json` asked. (As a learner: its own user namespace, the host's network.)

# %% tags=["nbval-ignore-output"]
teach.table(["namespace", "host (this notebook)", "container", "shared?"], nsdiff.compare(st["pid"]))

# %%
shared = {kind: same for kind, _, _, same in nsdiff.compare(st["pid"])}
print("own namespaces:   ", sorted(k for k, same in shared.items() if not same))
print("shared with host: ", sorted(k for k, same in shared.items() if same))

# %% [markdown]
# And the cgroup: the memory limit of `config.json`, written by the runtime into the container's cgroup,
# read here from the host side (`memory.limit_in_bytes` in cgroup v1, `memory.max` in v2; `minirunc` detects
# which one the host runs):

# %%
limit = lab.show_memory_limit(st["pid"], limited)  # read in the init's cgroup, for this host's cgroup version

# %% [markdown]
# ## 5. `kill`, `delete`
#
# `kill` sends a signal to the init. Once it is gone the status is *stopped*; `delete` removes the state
# and the cgroup. (`delete` of a running container is refused unless `--force`.)

# %%
print(lab.runtime("minirunc", MINI, "delete", "ch06", check=False))
lab.runtime("minirunc", MINI, "kill", "ch06", "KILL")
import time
deadline = time.monotonic() + 10
while lab.state("minirunc", MINI, "ch06")["status"] != "stopped" and time.monotonic() < deadline:
    time.sleep(0.05)
print("status:", lab.state("minirunc", MINI, "ch06")["status"])
lab.runtime("minirunc", MINI, "delete", "ch06")
print("cgroup still there?", limit.parent.exists() if limit else "none was made", "| state still there?", (MINI / "ch06").exists())

# %% [markdown]
# ## 6. The same bundle under the real runc
#
# `minirunc` is a drop-in for runc: same command line, same bundle. Run a probe under both and compare
# what the container sees of itself: PID 1, host name, capability masks, memory limit, exit code.
# (A learner whose limit went into a delegated cgroup on a cgroup v1 host sees runc 1.1 refuse the bundle:
# rootless, it needs every v1 hierarchy delegated, where minirunc uses those that are.)

# %%
probe = ("echo PID=$$ hostname=$(hostname); grep -E '^Cap(Eff|Bnd)' /proc/self/status; "
         + lab.MEMORY_LIMIT_SH + "; exit 7")  # v1's memory.limit_in_bytes or v2's memory.max
lab.edit_config(bundle, process__args=["sh", "-c", probe])
seen = {}
for program, root in (("minirunc", MINI), ("runc", REAL)):
    seen[program] = lab.runtime(program, root, "run", "--bundle", str(bundle), "ch06-probe", check=False)
    print(f"--- {program} ---\n{seen[program]}")
print("identical:", seen["minirunc"] == seen["runc"])

# %% [markdown]
# ## Our version
#
# The whole create/start split in `minirunc` is a fork, a pipe to hear "ready" from the init, and a fifo.
# Here is `create` (the init's side is `minidocker/runc/init.py`):

# %% tags=["nbval-ignore-output"]
teach.show_source(container.create)

# %% [markdown]
# ## Recap
#
# - An **OCI bundle** is a directory: `config.json` + a root filesystem. The runtime spec defines both
#   the file and the verbs `create`, `start`, `state`, `kill`, `delete`.
# - `create` makes the namespaces, mounts, cgroups and the init, which waits on the **exec fifo**; the
#   runtime process then exits. `start` releases the init to run the program.
# - The root filesystem is switched with `pivot_root` and the old root detached, not `chroot`.
# - Limits live in cgroups, isolation in namespaces: both visible from the host in `/proc` and `/sys/fs/cgroup`.
# - Because the interface is a spec, runtimes are interchangeable: the same bundle runs under `minirunc` and `runc`.
#
# ## Questions
#
# 1. Why does runc split `create` from `start`? What could containerd or Docker do between the two?
# 2. After `create`, which process is the parent of the container's init, and why is it not the runtime?
# 3. Which namespaces did the container share with the host, and which line of `config.json` decides that?
# 4. What would go wrong if the runtime used `chroot` instead of `pivot_root`?
# 5. `delete` refused a running container. Which status check in `minidocker/runc/state.py` does that?

# %%
for program, root in (("minirunc", MINI), ("runc", REAL)):
    lab.runtime(program, root, "delete", "--force", "ch06-probe", check=False)
print(lab.runtime_processes(WORK))
