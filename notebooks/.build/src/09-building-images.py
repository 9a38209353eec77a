# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Building images
#
# *Source §1.3.4: "Docker使用分层存储以及镜像技术, 使得应用重复部分的复用率更为容易" — layered storage (分层存储)
# makes the parts applications have in common easy to reuse; and §1.6.2: the image (镜像) is the template
# containers are made from.*
#
# ## Motivation
#
# An image is not typed in by hand: it is *built* from a **Dockerfile** (a recipe, one **instruction**
# (指令) per line) and a **build context** (构建上下文, the files the recipe may copy). Every instruction
# that changes files becomes one **layer** (镜像层); a layer is kept once on disk, whatever number of
# images share it. Building again reuses the layers whose inputs did not change: the **build cache**
# (构建缓存). Rebuilding a tag leaves the old image nameless: a **dangling image** (悬空镜像). And a
# **multi-stage build** (多阶段构建) builds in one stage and copies only the result into the image that
# ships.
#
# This chapter builds with minidocker's builder, which follows Docker's classic builder step by step.

# %%
import shlex
from pathlib import Path

from minidocker import teach
from minidocker.observe import build_steps, chapter_engine, engine_teardown, layer_files, layers, reuse

teach.require_root()
eng = chapter_engine.reset("ch09")   # its own engine under the course root; no containers, only busybox
WORK = eng.root / "work"                 # build contexts
print(eng("images"))

# %% [markdown]
# ## How Docker does it
#
# `docker build` sends the context to the daemon as a tar stream. For each instruction the builder:
#
# 1. computes a **cache key** from the parent image, the instruction and, for `COPY`/`ADD`, a checksum
#    of the files it copies; if an image with that key exists, it is reused (` ---> Using cache`);
# 2. otherwise, for `RUN`, starts a container from the parent image (` ---> Running in <id>`), runs the
#    command, and turns what changed in the container's upper directory into a new layer; for `COPY`,
#    writes the files straight into a new layer; for metadata (`ENV`, `CMD`, `LABEL`...), changes only
#    the image's configuration, no layer;
# 3. commits an image: the parent's layers plus the new one, and the new configuration. That image is
#    the parent of the next step.
#
# ## 1. A Dockerfile
#
# The application: a text file, and a recipe of seven instructions. The `RUN` step writes a 500 kB file
# that the next `RUN` deletes: keep an eye on it.

# %%
DOCKERFILE = """FROM busybox
WORKDIR /app
COPY hello.txt ./
RUN echo "built by RUN" > built.txt && dd if=/dev/zero of=big.bin bs=1k count=500 2>/dev/null
RUN rm big.bin
ENV GREETING=hello
CMD ["cat", "/app/hello.txt", "/app/built.txt"]
"""
ctx = build_steps.write_context(WORK / "app", {"hello.txt": "hello, layers\n", "Dockerfile": DOCKERFILE})
out = eng("build", "-t", "ch09-app:1", str(ctx))
print(out)

# %%
teach.table(build_steps.HEADERS, build_steps.rows(out))

# %% [markdown]
# Drawn from that output: each step's image is the parent of the next one; yellow steps ran a container,
# blue ones were written without one.

# %%
teach.show_diagram(build_steps.graph(out, "first build of ch09-app:1"))

# %%
print(eng("run", "--rm", "ch09-app:1"))

# %% [markdown]
# ## 2. One layer per step
#
# `docker history` lists the steps, newest first: the ones that changed files have a size (a layer); the
# others (`#(nop)`, "no operation" in a container) only changed the configuration. busybox's own steps
# come last, `<missing>` because they were built elsewhere.

# %%
print(eng("history", "ch09-app:1"))

# %% [markdown]
# Each layer is a directory of the snapshotter (containerd's overlay snapshotter), named by a number;
# busybox's is the same directory every image built on busybox uses. Five layers: busybox's (1), then one
# for each of our steps that changed files: `WORKDIR` (2), `COPY` (3), `RUN` (4), `RUN` (5).
#
# Why does `WORKDIR /app` make a layer when `ENV` and `CMD` do not? `/app` does not exist in busybox, and
# Docker's classic builder creates a missing working directory in a container and commits it, as it does
# for `RUN`: the layer holds one empty directory (`history` shows it as 0 B).

# %%
mine = reuse.layers_on_disk(eng, "ch09-app:1")
steps = reuse.layer_steps(eng, "ch09-app:1")
teach.table(["layer", "made by", "directory under the snapshotter", "on disk"],
            [[i + 1, s[:60], f"snapshots/{l.path.parent.name}/fs" if l.path else "(not unpacked)", layers.human(l.size)]
             for i, (l, s) in enumerate(zip(mine, steps))])

# %% [markdown]
# What is *in* each layer of ours: the `WORKDIR` layer the directory `/app` alone, the `COPY` layer one
# file, the first `RUN` layer the files it wrote, the second `RUN` layer only a record that `big.bin` was
# deleted.

# %%
for n, layer in list(enumerate(mine, 1))[1:]:
    print(f"layer {n}: {steps[n - 1][:70]}")
    print(teach.table(layer_files.HEADERS, layer_files.listing(layer.path)), "\n")

# %% [markdown]
# ## 3. A file deleted in a later step: whiteouts
#
# A layer below is read-only: deleting `big.bin` cannot change layer 4. Layer 5 holds a **whiteout**
# instead: on disk, a character device 0:0 named `big.bin` that overlayfs reads as "no such file". In a
# container the file is gone:

# %%
print(eng("run", "--rm", "ch09-app:1", "ls", "/app"))

# %% [markdown]
# In the image's tar files (what `save` writes and `push` sends), the same deletion is an entry named
# `.wh.big.bin`, as the OCI image spec writes it:

# %%
archive = WORK / "ch09-app.tar"
eng("save", "-o", str(archive), "ch09-app:1")
for n, names in enumerate(layer_files.saved_layers(archive), 1):
    print(f"layer {n}: {len(names)} entries, whiteouts: {layer_files.whiteouts(names)}")

# %% [markdown]
# The 500 kB are still in the image, in layer 4, for every pull and every disk: deleting a file in a
# later step hides it, it does not shrink the image. Delete in the same `RUN` that made the file.
#
# A container of this image, drawn live from its overlay mount: the image's layers are the read-only
# lower directories (top first), the container adds its own upper directory.

# %%
eng("rm", "-f", "ch09-live", check=False)
eng("run", "-d", "--name", "ch09-live", "ch09-app:1", "sleep", "600")
mount = layers.container_mount(teach.container_pids(eng, ["ch09-live"])["ch09-live"])
names = [s.replace("/bin/sh -c ", "")[:40] for s in reversed(steps)]
teach.show_diagram(layers.layer_graph(mount, "ch09-app:1", names))

# %%
print("lower directories are the image's layers:", [Path(p).parent.name for p in mount.lower] ==
      [l.path.parent.name for l in reversed(mine)])
print(eng("rm", "-f", "ch09-live"))

# %% [markdown]
# ## 4. The build cache
#
# Build again with nothing changed: every step is found in the cache, nothing runs, and the result is
# the same image.

# %%
again = eng("build", "-t", "ch09-app:1", str(ctx))
print(again)
print("from the cache: %d of %d steps" % build_steps.cached_count(again))

# %% [markdown]
# The real `docker` command line (its classic builder: `DOCKER_BUILDKIT=0`), pointed at our engine, finds
# the same cache: the engine keeps it, not the client.

# %%
by_docker = teach.sh(f"DOCKER_BUILDKIT=0 docker -H unix://{shlex.quote(str(eng.socket))} build -q -t ch09-app:1 {shlex.quote(str(ctx))} 2>/dev/null").strip()
print(by_docker, "\nthe same image as before:", by_docker == eng("image", "inspect", "--format", "{{.Id}}", "ch09-app:1").strip())

# %% [markdown]
# Now change the copied file. The checksum of `hello.txt` changes, so the `COPY` step's cache key
# changes: it is built again, and so is every step after it (their parent changed). The steps before it
# still come from the cache.

# %%
(ctx / "hello.txt").write_text("hello, layers (changed)\n")
build_steps.next_second()   # CREATED is to the second: keeps the listings below in one order
changed = eng("build", "-t", "ch09-app:1", str(ctx))
teach.table(build_steps.HEADERS, build_steps.rows(changed))

# %%
teach.show_diagram(build_steps.graph(changed, "rebuilt after changing hello.txt"))

# %%
print(eng("run", "--rm", "ch09-app:1"))

# %% [markdown]
# ## 5. Dangling images made by rebuilding
#
# The tag `ch09-app:1` moved to the new image. The old one is still there, with no repository and no tag:
# a dangling image (悬空镜像). Its parents, the intermediate images of the first build, are hidden by
# `images` (they are not dangling: they have a child) and shown by `images -a`.

# %%
print(eng("images"))
print(eng("images", "--filter", "dangling=true"))

# %% [markdown]
# `docker image prune` removes dangling images, and with each its intermediate parents that nothing
# else needs (here the old `COPY`, `RUN`, `RUN`, `ENV` and `CMD` images; the `WORKDIR` image stays: the
# new build uses it too).

# %%
before = len(eng("images", "-qa").split())
eng("image", "prune", "-f")
print("images removed by prune:", before - len(eng("images", "-qa").split()))
print(eng("images", "--filter", "dangling=true"))

# %% [markdown]
# ## 6. Multi-stage builds: `COPY --from`
#
# The first stage (`AS builder`) has "build tools" (a 300 kB file standing for a compiler) and makes the
# program; the second starts again from busybox and copies only the program. The builder stage's
# layers are not in the final image.

# %%
MULTI = """FROM busybox AS builder
RUN dd if=/dev/zero of=/tools.bin bs=1k count=300 2>/dev/null && mkdir /out \\
 && printf '#!/bin/sh\\necho hello from a multi-stage build\\n' > /out/hello && chmod +x /out/hello
FROM busybox
COPY --from=builder /out/hello /usr/local/bin/hello
CMD ["hello"]
"""
ctx2 = build_steps.write_context(WORK / "multi", {"Dockerfile": MULTI})
teach.table(build_steps.HEADERS, build_steps.rows(eng("build", "-t", "ch09-multi:1", str(ctx2))))

# %%
print(eng("run", "--rm", "ch09-multi:1"))
print(eng("history", "ch09-multi:1"))

# %% [markdown]
# Both images share busybox's layer on disk; each adds only its own:

# %%
shared = reuse.measure(eng, ["busybox", "ch09-app:1", "ch09-multi:1"])
print(shared.summary())
teach.table(["image", "layers", "size", "shared layers"], shared.rows())

# %%
teach.show_diagram(reuse.graph(shared))

# %% [markdown]
# ## 7. Our version
#
# The builder's `RUN`: the cache key first; on a miss, a real container through containerd (the same
# path as `docker run`), its changes diffed into a layer, committed.

# %%
from minidocker.dockerd.builder.build import Builder
teach.show_source(Builder._run)

# %% [markdown]
# Every step ends in `_commit_or_cache`: the key is the parent image's ID, the step's text (for `COPY`,
# with the files' checksum in it) and the configuration so far.

# %%
teach.show_source(Builder._commit_or_cache)

# %%
teach.show_source(Builder._key)

# %% [markdown]
# ## Clean-up
#
# Take this chapter's engine down: its daemons, bridge and cgroups (its images stay on disk for the next run).

# %%
print("; ".join(engine_teardown.remove(eng)), "| engine answers:", teach.ping(eng.socket))

# %% [markdown]
# ## Recap
#
# - A Dockerfile is a list of instructions; each one that changes files becomes one layer, the others
#   change only the configuration (`history` shows both).
# - Layers are directories of the snapshotter; the base layer is one directory for every image on it.
# - A file deleted in a later step is hidden by a whiteout (a 0:0 device on disk, `.wh.NAME` in the tar):
#   gone in the container, still in the image's size.
# - The cache key is (parent, instruction, files copied): no change means "Using cache" everywhere; a
#   changed file rebuilds its `COPY` and everything after it.
# - Rebuilding a tag leaves the old image dangling (`<none>:<none>`); `image prune` removes it.
# - A multi-stage build ships only what `COPY --from` takes from the earlier stage.
#
# ## Questions
#
# 1. Move `RUN rm big.bin` into the first `RUN` (`... && rm big.bin`). What is the image's size now, and
#    how many layers does it have?
# 2. Change the `ENV` line only and rebuild: which steps come from the cache?
# 3. Why would Docker put `COPY requirements.txt` and `RUN pip install` *before* `COPY . .`?
# 4. Run `history ch09-multi:1`: where did the builder stage's 300 kB go?
