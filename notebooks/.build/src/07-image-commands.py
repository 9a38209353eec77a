# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Image commands
#
# *Source: "Command about images" — `docker images`, `rmi`, `rmi -f`, `rmi -f $(docker images -qa)`, `pull`,
# `search`, `system df`, and "what is a dangling image?".*
#
# ## Motivation
#
# An **image** (镜像) is the template a container is made from, like a class in object-oriented
# programming (source §1.6.2: "用于创建Docker容器的模板, 就像面向对象编程中的类"); a container is an instance
# of it. An image is named `<repository>:<tag>`: the **repository** (仓库) groups images of one name, the
# **tag** (标签) tells them apart (`busybox:latest`, `app:1`); underneath, every image is known by its
# **image ID** (镜像ID), the digest of its configuration. Images come from a **registry** (镜像中心) such as
# Docker Hub.
#
# This chapter runs every command of the source document's list, live, against an engine of its own:
#
# | command | what it does |
# |---|---|
# | `docker images` | list images (`-a`: also intermediate images, `-q`: IDs only) |
# | `docker rmi IMAGE` | remove a name; the image goes when no name is left |
# | `docker rmi -f ID1 ID2` | remove images even when other names or stopped containers still use them |
# | `docker rmi -f $(docker images -qa)` | remove every image |
# | `docker pull NAME` | download an image from a registry |
# | `docker search TERM` | search a registry |
# | `docker system df` | disk used by images, containers, volumes, the build cache |
# | `--filter dangling=true`, `image prune` | the **dangling images** (悬空镜像): no repository, no tag |

# %%
import shlex

from minidocker import teach
from minidocker.observe import build_steps, chapter_engine, course_registry, engine_teardown, reuse

teach.require_root()
eng = chapter_engine.reset("ch07")   # its own engine under the course root; no containers, only busybox
WORK = eng.root / "work"                 # build contexts and the registry's storage
print(eng("images"))

# %% [markdown]
# ## How Docker does it
#
# A registry stands in for Docker Hub: the course's own, `python -m minidocker.registry serve`, started
# here on a free loopback port. We stock it with `busybox` (pushed as `library/busybox`, the name Docker Hub
# gives its official images) and point the engine at it as its **registry mirror**, the way a Docker
# daemon is configured in `daemon.json`. Then `docker pull busybox` works without the Internet.

# %%
registry = course_registry.start(WORK)
print("registry:", registry.url)
eng("tag", "busybox", f"{registry.address}/library/busybox:latest")
print(eng("push", f"{registry.address}/library/busybox:latest"))
print(eng("rmi", f"{registry.address}/library/busybox:latest"))   # the name only: busybox stays
print(course_registry.use_as_mirror(eng, registry.url).read_text())

# %% [markdown]
# Two small application images, made from a one-line script each (chapter 09 explains `build`), a
# second apart so that the listings below (newest first, to the second) always come in one order; and a
# second name for `busybox`, given by `docker tag`, which copies nothing.

# %%
for version in ("1", "2"):
    ctx = build_steps.write_context(WORK / f"app{version}", {
        "app.sh": f"echo app version {version}\n",
        "Dockerfile": 'FROM busybox\nCOPY app.sh /app.sh\nCMD ["sh", "/app.sh"]\n'})
    build_steps.next_second()
    print(eng("build", "-q", "-t", f"app:{version}", str(ctx)).strip())
print(eng("tag", "busybox", "mybox:1.0") or "tagged busybox as mybox:1.0")

# %% [markdown]
# ## 1. `docker images`: list the images
#
# REPOSITORY (仓库) and TAG (标签) are the image's name, IMAGE ID (镜像ID) the first 12 hex digits of its
# digest. `busybox` and `mybox:1.0` have the same ID: one image, two names.

# %%
print(eng("images"))

# %% [markdown]
# The real `docker` command line, pointed at our engine's socket, prints the same table (here for the
# repository `app` only): the engine speaks Docker's Engine API.

# %%
print(teach.sh(f"docker -H unix://{shlex.quote(str(eng.socket))} images app"))

# %% [markdown]
# What is on disk: each image is a stack of **layers** (分层存储, source §1.3.4), and a layer is kept once
# however many images use it. Drawn live from the engine's images and its snapshotter's directories
# (yellow: a layer several images share):

# %%
teach.show_diagram(reuse.graph(reuse.store(eng)))

# %% [markdown]
# ## 2. `docker rmi IMAGE`: remove an image
#
# `rmi NAME` removes a *name* (untag); the image itself goes only with its last name. `mybox:1.0` was a
# second name for busybox: removing it deletes nothing.

# %%
print(eng("rmi", "mybox:1.0"))

# %% [markdown]
# `rmi IMAGE_ID` asks to delete the image itself. Docker refuses when that is not clearly meant: here a
# container (stopped) still uses `app:1`, and `app:2` has a second name in another repository.

# %%
print(eng("run", "--name", "ch07-c1", "app:1"))
eng("tag", "app:2", "myapp:2.0")
app1, app2 = eng("images", "-q", "app:1").strip(), eng("images", "-q", "app:2").strip()
for image_id in (app1, app2):
    code, out = eng.status("rmi", image_id)
    print(f"rmi {image_id} -> exit code {code}\n{out}")

# %% [markdown]
# ## 3. `docker rmi -f ID1 ID2`: force
#
# `-f` (force, 强制删除) overrides those *soft* conflicts: every name is removed and the images are deleted.
# The `Deleted:` lines name each image, then its unnamed parent (the image of the build's `COPY` step),
# then, for `app:2`, its layer. `app:1`'s layer stays on disk as long as the stopped container `ch07-c1`
# stands on it (`ps -a` still shows it with the deleted image's ID); busybox's layer stays, busybox uses it.

# %%
print(eng("rmi", "-f", app1, app2))
print(eng("ps", "-a", "--format", "{{.Names}} uses image {{.Image}}"))
print("removed", eng("rm", "ch07-c1"))

# %% [markdown]
# A container that is *running* is a hard conflict: not even `-f` deletes the image under it.

# %%
eng("run", "-d", "--name", "ch07-running", "busybox", "sleep", "600")
busybox_id = eng("images", "-q", "busybox").strip()
code, out = eng.status("rmi", "-f", busybox_id)
print(f"rmi -f {busybox_id} -> exit code {code}\n{out}")
print("removed", eng("rm", "-f", "ch07-running"))

# %% [markdown]
# ## 4. `docker images -qa`
#
# `-q` prints IDs only (for scripts), `-a` also lists **intermediate images** (中间层镜像): the image each
# step of a build leaves behind, without a name. Build an image in three steps after `FROM` and count:

# %%
ctx = build_steps.write_context(WORK / "steps", {
    "a.txt": "a\n", "b.txt": "b\n",
    "Dockerfile": "FROM busybox\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nCMD [\"cat\", \"/a.txt\", \"/b.txt\"]\n"})
eng("build", "-q", "-t", "steps:1", str(ctx))
print("images -q: ", eng("images", "-q").split())
print("images -qa:", eng("images", "-qa").split())

# %% [markdown]
# ## 5. `docker rmi -f $(docker images -qa)`: remove every image
#
# The shell runs `docker images -qa` first and hands every ID to `rmi -f`. Some IDs are already gone
# by the time their turn comes (deleting an image also deletes its untagged parents), and a parent
# listed before its child cannot be deleted yet: Docker prints an error for each and carries on, as
# minidocker does. Which ones depends on the listing's order, so this cell's output is not compared.

# %% tags=["nbval-ignore-output"]
cli = " ".join(teach.cli_path())   # the minidocker command, run by a real shell: $(...) as typed
print(teach.sh(f"{cli} rmi -f $({cli} images -qa)", check=False, env=eng.env()))

# %%
print(eng("images", "-a"))

# %% [markdown]
# ## 6. `docker pull NAME`: download an image
#
# The store is empty: not even busybox is left. `pull busybox` means `docker.io/library/busybox:latest`;
# the engine asks its mirror, our registry, first. Each layer is downloaded, its digest checked, and
# the image registered.

# %%
print(eng("pull", "busybox"))
print(eng("run", "--rm", "busybox", "echo", "busybox is back"))

# %% [markdown] anchor="s1.3.4/official-images"
# ### Official images (官方的镜像)
#
# `busybox` is an **official image** (source §1.3.4: 有官方的镜像, 可以直接在生产环境中使用, 也可以进一步定制).
# On Docker Hub the official images are the repositories of the `library/` namespace, kept by Docker with
# the software's makers: ready to run as they are, or to build on (`FROM busybox`, as our application
# images do). A name without a namespace means `library/`, and a name without a registry means Docker Hub,
# `docker.io`: the three names below are one repository, which the engine asks its mirror (our registry)
# for, and find the image it already has. `search` marks the official images `[OK]`.

# %%
for name in ("busybox", "library/busybox", "docker.io/library/busybox:latest"):
    print(f"$ minidocker pull {name}\n" + eng("pull", name))
print(eng("search", "--filter", "is-official=true", "busybox"))

# %% [markdown]
# An image from another registry is named with that registry's address in front. Push an application
# image to ours, delete it here, and pull it back by its full name: the busybox layer is already here
# ("Already exists"), only the application's layer travels.

# %%
ctx = build_steps.write_context(WORK / "hello", {
    "hello.sh": "echo hello from the course registry\n",
    "Dockerfile": 'FROM busybox\nCOPY hello.sh /hello.sh\nCMD ["sh", "/hello.sh"]\n'})
hello = f"{registry.address}/course/hello:1"
eng("build", "-q", "-t", hello, str(ctx))
print(eng("push", hello))
print(eng("rmi", hello))
print(eng("pull", hello))
print(eng("run", "--rm", hello))

# %% [markdown]
# ## 7. `docker search TERM`
#
# `search` asks the registry's search endpoint. A plain term goes to Docker Hub (here: its mirror); a
# term with a registry address in front searches that registry.

# %%
print(eng("search", "busybox"))
print(eng("search", f"{registry.address}/hello"))
print("the registry holds:", registry.catalog())

# %% [markdown]
# ## 8. `docker system df`: disk usage
#
# Images, containers, local volumes and the build cache, with what could be reclaimed (RECLAIMABLE:
# images no container uses). `-v` details each image: SHARED SIZE is the part in layers other images
# also use, UNIQUE SIZE the part only this image holds.

# %%
print(eng("system", "df"))

# %%
print(eng("system", "df", "-v"))

# %% [markdown]
# ## 9. Dangling images (悬空镜像)
#
# The source document: *"The image with that the name of the repo and the name of it's tag are all
# &lt;none&gt; was called 'Dangling image'."* The usual way to make one: build a tag again after a change.
# The tag moves to the new image; the old one keeps its layers but loses its only name.

# %%
for version in ("1", "2"):
    ctx = build_steps.write_context(WORK / "dangle", {
        "app.sh": f"echo version {version}\n",
        "Dockerfile": 'FROM busybox\nCOPY app.sh /app.sh\nCMD ["sh", "/app.sh"]\n'})
    build_steps.next_second()
    eng("build", "-q", "-t", "ch07-app:latest", str(ctx))
print(eng("images"))

# %% [markdown]
# `--filter dangling=true` lists exactly those; `docker image prune` removes them (with `-f`, without
# asking). Intermediate images are not dangling: they are parents of a named image, and `images` hides
# them unless `-a`.

# %%
print(eng("images", "--filter", "dangling=true"))
print(eng("image", "prune", "-f"))
print(eng("images", "--filter", "dangling=true"))

# %% [markdown]
# ## 10. Our version
#
# Deletion follows Docker's rules: untag versus delete, and which conflicts `-f` overrides. Here is the
# engine's own code for `rmi`, and the filter that decides what is dangling.

# %%
from minidocker.dockerd.images import delete, filters
teach.show_source(delete._conflict)

# %%
teach.show_source(filters)

# %% [markdown]
# ## Clean-up
#
# Stop the registry (its storage goes with it), drop the mirror from `daemon.json`, and take this
# chapter's engine down: its daemons, bridge and cgroups (its images stay on disk for the next run).

# %%
registry.stop()
course_registry.use_as_mirror(eng, None)
print("registry stopped:", registry.proc.poll() is not None)
print("; ".join(engine_teardown.remove(eng)), "| engine answers:", teach.ping(eng.socket))

# %% [markdown]
# ## Recap
#
# - `images` lists names (repository:tag) and IDs; `-a` adds intermediate images, `-q` prints IDs only.
# - `rmi NAME` untags; the image is deleted with its last name. `rmi ID` deletes, refusing (soft
#   conflicts) when other names or stopped containers use it, unless `-f`; a running container or a
#   child image always blocks.
# - `rmi -f $(images -qa)` empties the store; `pull` brings images back from a registry, layer by
#   layer, skipping layers already here; `search` asks a registry what it holds.
# - `system df` shows what images, containers, volumes and the build cache take and what could be
#   reclaimed.
# - A dangling image (悬空镜像) has repository and tag `<none>`: typically the old image left when a tag
#   is built again. `images --filter dangling=true` lists them, `image prune` removes them.
#
# ## Questions
#
# 1. Tag busybox as `mybox:1.0` again and run `rmi busybox`. What is printed, and is anything deleted?
# 2. Why does `rmi -f $(images -qa)` print errors, and why are they harmless?
# 3. After `pull busybox`, which directory under the engine's state holds busybox's layer? When was it
#    unpacked?
# 4. Build `ch07-app:latest` three times with three different scripts: how many dangling images are
#    there, and how much space do they take according to `system df`?
