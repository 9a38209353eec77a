# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · What Docker is and what it is for
#
# *Source §1.2 (Docker的简介) and §1.3 (Docker 的用途).*
#
# ## Motivation
#
# Docker is an open-source **application container engine** (开源的应用容器引擎): it lets a developer
# pack an application *and the environment it runs in* into a light, portable **image** (镜像), then run
# it on any popular Linux machine. Docker is written in Go (使用Go语言开发); minidocker, the engine of
# this course, is written in Python, split into the same programs.
#
# The source document lists four uses (用途). This chapter measures each one live:
#
# | § | use | what we measure |
# |---|---|---|
# | 1.3.1 | a uniform runtime environment (统一的运行环境) | the same image gives the same result on two engines |
# | 1.3.2 | easy migration (便捷的应用迁移) | save an image on one engine, load it on another |
# | 1.3.3 | very fast start-up (超快的启动时间) | container start-up time, plotted |
# | 1.3.4 | easier maintenance and extension (更轻松的维护和扩展) | layers shared between images and containers |

# %%
import tempfile
from pathlib import Path
from minidocker import teach
from minidocker.observe import layers, timing

teach.require_root()
eng = teach.engine()
print(eng("version"))    # where Docker reports its Go version, minidocker reports Python's

# %% [markdown] anchor="s1.3.4"
# ## 1. An application image, built in layers
#
# Our "application" is one shell script. Its image (镜像) is the `busybox` image plus one layer holding the
# script: build it from a three-line Dockerfile.

# %%
ctx = Path(tempfile.mkdtemp(prefix="ch02-"))
(ctx / "app.sh").write_text('echo "hello from ch02-app: $(uname -s) $(uname -m), $(busybox | head -1 | cut -d" " -f1-2), $(ls /bin | wc -l) programs"\n')
(ctx / "Dockerfile").write_text('FROM busybox\nCOPY app.sh /app.sh\nCMD ["sh", "/app.sh"]\n')
print(eng("build", "-q", "-t", "ch02-app:1", str(ctx)))

# %% [markdown]
# The new image did not copy busybox: it *reuses* busybox's layer and adds one of its own. The layer
# lists of the two images (digests of each layer's content) share their first entry:

# %%
base = teach.image_layers(eng, "busybox")
app = teach.image_layers(eng, "ch02-app:1")
print("busybox layers:   ", len(base), "\nch02-app layers:  ", len(app), "\nshared:", app[:len(base)] == base)

# %% [markdown]
# Containers share layers too. Start two containers from the app image and look at their overlay mounts:
# the read-only lower layers are the *same directories* on disk; each container only adds its own small
# upper (read-write) layer (分层存储).

# %%
for n in ("ch02-a", "ch02-b"):
    eng("rm", "-f", n, check=False)
    eng("run", "-d", "--name", n, "ch02-app:1", "sh", "-c", "echo scratch > /note; sleep 600")
mounts = {n: layers.container_mount(pid) for n, pid in teach.container_pids(eng, ["ch02-a", "ch02-b"]).items()}
print("same lower layers:", mounts["ch02-a"].lower == mounts["ch02-b"].lower)
teach.table(["container", "lower layers (shared, read-only)", "its own upper layer"],
            [[n, layers.human(sum(layers.disk_usage(d) for d in m.lower)), layers.human(layers.disk_usage(m.upper))]
             for n, m in mounts.items()])

# %%
teach.show_diagram(layers.layer_graph(mounts["ch02-a"], "ch02-app:1"))

# %% [markdown]
# How much disk does the reuse save? Count each image's layers as if every image kept its own copy,
# then count what is really on disk (each unpacked layer once). And the file `/bin/busybox`, seen from
# inside both containers, is one single file on the host's disk:

# %%
from minidocker.observe import reuse
measured = reuse.measure(eng, ["busybox", "ch02-app:1"])
print(measured.summary())
files = [reuse.backing_file(m, "/bin/busybox") for m in mounts.values()]
print("/bin/busybox in both containers is one file on disk:", reuse.same_file(files))

# %%
print(eng("rm", "-f", "ch02-a", "ch02-b"))

# %% [markdown] anchor="s1.3.2"
# ## 2. Migration: save on one engine, load on another (便捷的应用迁移)
#
# A second engine, with its own state directory (its own `MINIDOCKER_ROOT`), stands in for another
# machine. It starts without our application. `save` writes the image (its layers and configuration) to one tar file; `load` on the
# other engine reads it back.

# %%
other = teach.engine("ch02-other")   # its own state, sockets, cgroups, bridge
other("rmi", "-f", "ch02-app:1", check=False)                    # as new: without our application
print("ch02-app on the other engine before:", "ch02-app" in other("images"))
archive = ctx / "ch02-app.tar"
eng("save", "-o", str(archive), "ch02-app:1")
print(other("load", "-i", str(archive)).strip())
print("ch02-app on the other engine after:", "ch02-app" in other("images"))

# %% [markdown] anchor="s1.3.1"
# ## 3. A uniform environment (统一的运行环境)
#
# The same image, run on both engines, gives the same result: "on any host, the same result"
# (确保在任何宿主机HOST可以得到相同的结果).

# %%
here, there = eng("run", "--rm", "ch02-app:1"), other("run", "--rm", "ch02-app:1")
print(here, there, "same result:", here == there)

# %%
other.stop()
print("the other engine is stopped")

# %% [markdown] anchor="s1.3.3"
# ## 4. Start-up time (超快的启动时间)
#
# A container needs no operating system to boot: it is a process on the host's running kernel. Time
# `run --rm busybox true` (the whole path: client, daemon, containerd, shim, runtime, the container's
# process, and the clean-up), against starting the same program straight on the host.

# %%
runs = 10
container = timing.times(lambda: eng("run", "--rm", "busybox", "true"), runs)
process = timing.times(lambda: teach.sh("/bin/busybox true"), runs)
print(f"container: median {timing.median(container) * 1000:.0f} ms; host process: median {timing.median(process) * 1000:.1f} ms")

# %%
timing.plot({"container\n(minidocker run --rm)": container, "host process\n(sh -c busybox true)": process},
           title=f"start-up time, {runs} runs each")

# %% [markdown]
# Milliseconds, not the minutes the source document gives for a virtual machine ("传统的虚拟机技术应用一般需要数分钟").
# Chapter 03 boots a real virtual machine and times it beside a container.
#
# ## 5. Our version
#
# `save` and `load` are the engine's, not the notebook's: here is the daemon's side of `docker save`.

# %%
from minidocker.dockerd.images import save
teach.show_source(save.write_archive)

# %% [markdown]
# ## Recap
#
# - An image packs the application with its environment; the engine runs it the same way everywhere.
# - Migration: one `save`, one `load`; the other engine ran the application without rebuilding it.
# - A container starts in milliseconds: no kernel to boot.
# - Layers are shared: a new image reuses its base's layers; containers share every read-only layer and
#   each adds only a thin writable layer.
#
# ## Questions
#
# 1. `save` wrote a tar file. Open it (`tar tf`): which parts are layers, which is configuration?
# 2. Change `app.sh` and rebuild. Which layers change, which stay shared?
# 3. Why is the container's start-up slower than the host process's, and where does the time go?
