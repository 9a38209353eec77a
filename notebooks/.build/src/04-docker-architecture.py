# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Docker's system architecture
#
# *Source §1.6 (Docker 系统架构).*
#
# ## Motivation
#
# The source document draws Docker as a few boxes: a **client** (客户端) where you type commands, a
# **Docker host** running the **daemon** (守护进程, Docker Daemon), the **images** (镜像) and **containers**
# (容器) the daemon keeps, and a **registry** (镜像中心) far away that images come from and go to. Each
# box has a one-line definition there:
#
# - 1.6.1 **Docker Daemon**: listens for Docker API requests and manages images, containers, networks and volumes.
# - 1.6.2 **Image** (镜像): the template a container is created from, *like a class* (类) in object-oriented programming.
# - 1.6.3 **Container** (容器): the running entity made from an image, *like an instance* (实例) of a class;
#   one image makes many containers, each isolated from the others.
# - 1.6.4 **Repository** (仓库): a set of related images sharing one name.
# - 1.6.5 **Tag** (标签): `<repository>:<tag>` names exactly one image of a repository.
# - 1.6.6 **Registry** (镜像中心): where repositories are kept; you `pull` what you need and `push` what you made.
#   Docker Hub is the best known.
#
# This chapter makes every box real: the daemon answering on its socket, one image and several of its
# containers, a repository with two tags, and a registry (the course's own: the machine is offline) that
# we push to, search and pull from. The diagrams are drawn from the engine's answers at that moment.

# %%
import json, tempfile
from pathlib import Path
from minidocker import teach
from minidocker.observe import architecture, real_containerd
from minidocker.registry.process import serve_in_background
from minidocker.dockerd.distribution.config import write_config

teach.require_root()
eng = teach.engine("ch04")   # an engine of this chapter's own
for name in ("ch04-a", "ch04-b", "ch04-c"):
    eng("rm", "-f", name, check=False)

# %% [markdown] anchor="s1.6.1"
# ## 1. The daemon (守护进程) is a server
#
# The client and the daemon are two programs. The client (`minidocker`, or Docker's own `docker`) turns
# your command into an HTTP request and sends it over a unix socket; the daemon (`minidockerd`) answers.
# `version` shows both sides:

# %%
version = eng("version")
print("\n".join(line for line in version.splitlines() if line.strip().startswith(("Client", "Server", "API version:"))))

# %% [markdown]
# The socket speaks plain HTTP. Here is the very first request every `docker` command sends, written by
# hand on the socket:

# %%
import socket
s = socket.socket(socket.AF_UNIX)
s.connect(str(eng.socket))
s.sendall(b"HEAD /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
reply = s.recv(4096).decode()
s.close()
print("\n".join(line for line in reply.splitlines() if line.split(":")[0] in ("HTTP/1.1 200 OK", "Api-Version", "Ostype")))

# %% [markdown] anchor="s1.6.2"
# ## 2. One image (镜像), many containers (容器): a class and its instances
#
# Build a small image: a program that prints where it runs and keeps a counter in a file.

# %%
ctx = Path(tempfile.mkdtemp(prefix="ch04-"))
(ctx / "Dockerfile").write_text(
    'FROM busybox\n'
    'COPY count.sh /count.sh\n'
    'CMD ["sh", "/count.sh"]\n')
(ctx / "count.sh").write_text('n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; echo "$(hostname): run $n"\n')
print(eng("build", "-q", "-t", "counter:1.0", str(ctx)).startswith("sha256:"))

# %% [markdown] anchor="s1.6.3"
# ### Containers (容器): instances of one image
#
# Now make three containers from the same image, as one makes three objects of one class. Each is its
# own entity: its own host name, its own file system on top of the image, its own counter.

# %%
for name in ("ch04-a", "ch04-b", "ch04-c"):
    eng("create", "--name", name, "--hostname", name, "counter:1.0")
eng("start", "-a", "ch04-a"); eng("start", "-a", "ch04-a")
print(eng("start", "-a", "ch04-a").strip())     # a's third run: its counter kept counting
print(eng("start", "-a", "ch04-b").strip())     # b's first run: b never saw a's file
print(len(eng("ps", "-a", "-q", "--filter", "ancestor=counter:1.0").split()), "containers made from counter:1.0")

# %% [markdown]
# All three are instances of **one** image: the same image ID, read-only, shared. What differs is each
# container's thin writable layer, where `/tmp/n` lives.

# %%
ids = {json.loads(eng("inspect", name))[0]["Image"] for name in ("ch04-a", "ch04-b", "ch04-c")}
print(len(ids), "image for 3 containers:", ids == {json.loads(eng("image", "inspect", "counter:1.0"))[0]["Id"]})

# %% [markdown] anchor="s1.6.4"
# ## 3. Repository (仓库) and tag (标签)
#
# `counter` is a repository: a set of related images sharing one name.

# %% [markdown] anchor="s1.6.5"
# ### Tags (标签)
#
# `1.0` is a tag in the repository. Tag the same image `latest` too: one image, two names.
# `<repository>:<tag>` always names exactly one image.

# %%
eng("tag", "counter:1.0", "counter:latest")
print(json.loads(eng("image", "inspect", "counter:latest"))[0]["RepoTags"])
print(len(set(eng("images", "-q", "counter").split())), "image ID behind both tags")

# %% [markdown] anchor="s1.6.6"
# ## 4. The registry (镜像中心): push, search, pull
#
# Docker Hub is out of reach here (no internet), so the course brings its own registry: the same
# *Distribution API* Docker Hub speaks, served by `minidocker registry serve`. Start one on a free
# loopback port; an image name that begins with `host:port/` lives in that registry.

# %%
registry = serve_in_background(Path(tempfile.mkdtemp(prefix="ch04-registry-")))
remote = f"{registry.address}/course/counter"
eng("tag", "counter:1.0", f"{remote}:1.0")
print(eng("push", f"{remote}:1.0"))

# %% [markdown]
# `push` sent the layers the registry did not have, then the manifest that lists them. The registry
# keeps *repositories*: search it as you would search Docker Hub.

# %%
print(eng("search", f"{registry.address}/counter"))

# %% [markdown]
# Now delete every local name of the image and `pull` it back. The digest (the sha256 of the manifest)
# is the same one `push` printed: the bytes travelled unchanged.

# %%
eng("rm", "-f", "ch04-a", "ch04-b", "ch04-c")
print(eng("rmi", f"{remote}:1.0", "counter:1.0", "counter:latest").count("Untagged"), "names removed")
print(eng("pull", f"{remote}:1.0"))
print(eng("run", "--rm", f"{remote}:1.0").split(": ")[1])

# %% [markdown]
# Docker pulls `busybox` from Docker Hub. A **mirror** (镜像加速器 in many Chinese guides) is a registry
# that stands in for Docker Hub: put it in the daemon's configuration (`daemon.json`,
# `registry-mirrors`) and `pull busybox` is served by it. Our registry plays Docker Hub here:

# %%
eng("tag", "busybox", f"{registry.address}/library/busybox:latest")
print(eng("push", f"{registry.address}/library/busybox:latest").splitlines()[-1].split(":")[0])
write_config(eng.root / "lib", mirrors=[registry.url])
eng("rmi", "busybox", f"{registry.address}/library/busybox:latest")
print(eng("pull", "busybox"))

# %% [markdown]
# The registry speaks a standard, the OCI *Distribution Spec*, so it serves any engine, not only Docker.
# **containerd** (the engine under dockerd, and the one a Kubernetes node runs) pulls the image our
# engine pushed and runs it: the same image would run on a Kubernetes node. A containerd of its own
# starts for this cell and stops after it (as a learner, in your rootless engine's user namespace, the way
# rootless containerd runs, without a cgroup). (`ctr run` sets no host name: the container starts with
# the host's, so only the counter is shown.)

# %%
digest, output = real_containerd.pull_and_run(f"{remote}:1.0", engine_root=eng.root)
print("containerd pulled", digest, "and ran it:", output.split(": ")[1])

# %% [markdown] anchor="s1.6"
# ## 5. The whole picture, drawn from the engine
#
# Client, daemon, the images it holds, the containers made from them, and the registry. Every box is
# something the engine reported just now.

# %%
eng("run", "-d", "--name", "ch04-a", f"{remote}:1.0", "sleep", "60")
teach.show_diagram(architecture.system_graph(architecture.facts(eng.socket)))

# %% [markdown]
# ## 6. Our version
#
# The push loop: skip what the registry has, mount what another repository of it has, upload the rest,
# then put the manifest.

# %%
from minidocker.dockerd.distribution import push
teach.show_source(push.Push._push_one)

# %% [markdown]
# And the registry's side of a manifest `PUT`: check the whole manifest first (its digest, its media
# type, every blob it names), then keep the bytes exactly as sent (so the digest survives the round trip).

# %%
from minidocker.registry import server
teach.show_source(server.Handler.manifest_put)

# %%
eng("rm", "-f", "ch04-a", check=False)
registry.stop()
write_config(eng.root / "lib", mirrors=[])
eng.stop()

# %% [markdown]
# ## Recap
#
# - The **daemon** is a server: the client sends it HTTP requests over a unix socket.
# - An **image** is a read-only template (the class); each **container** is an instance with its own
#   writable layer, host name and processes.
# - A **repository** groups images under one name; a **tag** picks one of them.
# - A **registry** keeps repositories; `push` uploads only what is missing, `pull` verifies every byte
#   against its digest; a **mirror** can stand in for Docker Hub.
#
# ## Questions
#
# 1. The three containers share one image. Where, on disk, is container b's `/tmp/n`? (Hint: `inspect`, `GraphDriver`.)
# 2. Push the same image again. What does `push` print for the layer, and why?
# 3. `counter:1.0` and `counter:latest` have the same ID. What happens to the image when you `rmi counter:1.0`? And then `rmi counter:latest`?
