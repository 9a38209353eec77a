# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Start here
#
# This course teaches the document *Docker for beginner* (`docker-for-beginner.md`, written in Chinese)
# chapter by chapter, on **minidocker**: a small but real container engine built the way Docker is built,
# out of separate programs: the client `minidocker`, the daemon `minidockerd`, `minicontainerd`, one
# `minidocker-shim` per container and the OCI runtime `minirunc`.
#
# Nothing here is simulated. Every diagram is drawn from the processes running at that moment, every
# number is measured when the cell runs.
#
# **What to do first:** click into the first grey code cell below (section 1) and press `Shift-Enter`: it
# runs that cell, shows its output under it and moves to the next one. Keep going from top to bottom (the
# outputs you see before you run a cell are the course's own run; yours replace them). At the end of each
# chapter a link opens its **exercise**, whose check cells tell you what is still missing; then go on to
# the next chapter. *File > New > Terminal* gives you a root shell with `minidocker` on its `PATH`.
#
# **Each chapter follows the same plan:** why (motivation) · how Docker does it (a live diagram) ·
# our version (the real source code) · short experiments · recap · questions.

# %% [markdown]
# ## 1. Is this machine ready?
#
# A container engine needs root and three kernel features: **namespaces** (what a process can see),
# **cgroups** (how much it may use) and **overlayfs** (layered file systems). `teach.preflight()` checks
# each one here, live, and whether the engine answers on its socket.

# %%
from minidocker import teach
from minidocker.observe import architecture, diagrams, draw, tree

teach.require_root()
eng = teach.engine()          # the engine $MINIDOCKER_ROOT points at (the system one if unset); started if down
teach.preflight()

# %% [markdown]
# Here is how `preflight` finds out. It asks the kernel, not a configuration file: `/proc/filesystems`,
# `/proc/self/ns/`, `/proc/self/mounts`, and a `GET /_ping` on the engine's unix socket.

# %%
teach.show_source(teach.preflight)

# %%
from minidocker.observe import host
teach.show_source(host.cgroup_layout)

# %% [markdown] anchor="s1.2"
# ## 2. Your first container (容器)
#
# `minidocker run IMAGE COMMAND` asks the engine to make a container from the image `busybox` and run
# one command in it. `--rm` deletes the container when the command ends.

# %%
print(eng("run", "--rm", "busybox", "echo", "hello from a container"))

# %% [markdown]
# The container has its own host name, its own process table (the command is PID 1) and its own
# root file system (the image's, not the host's):

# %%
print(eng("run", "--rm", "busybox", "sh", "-c", "echo hostname=$(hostname); ps; ls /"))

# %% [markdown]
# Compare with the host, where this notebook runs. The host has a different name, hundreds of
# processes, and other files in `/`:

# %% tags=["nbval-ignore-output"]
print(teach.sh("echo hostname=$(hostname); echo processes: $(ps -e | wc -l); ls / | tr '\\n' ' '"))

# %% [markdown] anchor="s2.1"
# ## 3. Who did the work? The engine's processes, live
#
# Start a container that keeps running, then look at the processes the engine has now. Each box is a
# real process read from `/proc`: its role, its PID on the host and, inside a container, the PID the
# container sees. Solid arrows are *fork* (parent → child); dashed ones are the protocols between the
# programs (HTTP, gRPC, the shim's socket). This is the source document's figure of §2.1, drawn from life.

# %%
eng("rm", "-f", "ch00-first", check=False)
print(eng("run", "-d", "--name", "ch00-first", "busybox", "sleep", "600"))

# %%
pid = teach.container_pids(eng, ["ch00-first"])["ch00-first"]
snap = tree.snapshot(eng.root).focus([pid])      # the daemons and this container (not others')
sorted(snap.roles())

# %%
teach.show_diagram(draw.process_graph(snap))

# %% [markdown]
# Some programs were missing: the client had already finished, and the runtime exits as soon as the
# container is created. To catch them, watch a whole `minidocker run` from the start, taking a snapshot
# every few milliseconds (dashed boxes: processes that had already exited by the end):

# %% tags=["nbval-ignore-output"]
teach.show_diagram(architecture.engine_graph(diagrams.catch_run(eng, "ch00-watched")))

# %% [markdown] anchor="s1.6"
# ### Docker's system architecture (Docker 系统架构)
#
# And the source document's other figure (§1.6, *Docker 系统架构*): the client talks to the daemon
# (守护进程), which holds images (镜像) and containers (容器) and pulls from a registry (镜像中心). The
# images and containers below are the ones your engine holds right now.

# %%
teach.show_diagram(architecture.system_graph(architecture.facts(eng.socket)))

# %% [markdown]
# ## 4. Our version
#
# The diagram above came from this function: it walks the process table with `psutil`, keeps the
# engine's programs (recognised by their process names) and everything below a shim.

# %%
teach.show_source(tree.snapshot)

# %%
print(eng("rm", "-f", "ch00-first"))

# %% [markdown]
# ## Recap
#
# - A container is started by an **engine**; here the engine is five programs, as in Docker.
# - The container had its own host name, PID 1, and root file system, yet it ran on this machine.
# - The diagrams in this course are read from the live system, never drawn by hand.
#
# ## Questions
#
# 1. In section 2 the container's `ps` listed only a handful of processes. Where did the host's others go?
# 2. Which of the engine's processes were still there while `ch00-first` was running, and which one was missing? (Chapter 05 explains why.)
# 3. Run `teach.preflight()` again after `minidocker daemon stop` in a terminal. What changes?
