# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Why containers: dev, test, ops and DevOps
#
# *Source §1.1 (课程引入).*
#
# ## Motivation
#
# **开发与运维 (development and operations).** A developer writes a program on a laptop; testers run it
# on a test server; operations run it in production. Most quarrels between them come from one thing:
# **the environment differs** (环境的不同): another version of a library, another `PATH`, another shell,
# another locale. *"It works on my machine."* If the developer could hand the environment itself to
# testing and operations, the project would move much faster.
#
# **DevOps** is the name for the way of working (一种思想, 一种管理模式和执行规范) that brings
# development, testing and operations together. **运维与架构师 (operations and architects)** want
# *one-click deployment* (一键部署). A container image is exactly that hand-over: the program *and* its
# environment, in one file.

# %%
from minidocker import teach
from minidocker.observe import draw, tree

teach.require_root()
eng = teach.engine()

# %% [markdown] anchor="s1.1.1"
# ## 1. "Works on my machine", live
#
# Here is a tiny program: a shell script that reports what it found around it (which shell runs it, whether
# its `PATH` finds the `sysctl` program, the language setting).

# %%
app = 'echo "shell: $(readlink -f /proc/$$/exe)"; echo "sysctl: $(command -v sysctl >/dev/null && echo found || echo not found)"; echo "LANG=${LANG:-unset}"'

# %% [markdown]
# Run it directly on the host twice, as if on two machines whose environments differ: the developer's
# (a long `PATH`, English locale) and the test server's (a short `PATH`, another locale).

# %%
dev_env  = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "en_US.UTF-8"}
test_env = {"PATH": "/usr/bin", "LANG": "zh_CN.UTF-8"}
on_dev  = teach.sh(app, env=dev_env)
on_test = teach.sh(app, env=test_env)
print("developer's machine:\n" + on_dev, "\ntest server:\n" + on_test, "\nsame result?", on_dev == on_test)

# %% [markdown]
# Different results from the same program. Now run the **same program in a container**, from the two
# same environments. The client inherits each environment, but the program sees only what the **image**
# (镜像) carries:

# %%
in_dev  = eng("run", "--rm", "busybox", "sh", "-c", app, env=dev_env)
in_test = eng("run", "--rm", "busybox", "sh", "-c", app, env=test_env)
print("container, from the developer's machine:\n" + in_dev, "\ncontainer, from the test server:\n" + in_test,
      "\nsame result?", in_dev == in_test)

# %% [markdown]
# ## 2. How Docker does it
#
# The container's environment comes from the image's configuration (its `Env`, `Cmd`, its files), not from
# the shell that typed the command. The client sends only what you ask for (`-e NAME=value`) to the
# daemon, and the daemon builds the container's process from the image. The image's configuration:

# %%
print(eng("image", "inspect", "--format", "{{json .Config.Env}} {{json .Config.Cmd}}", "busybox"))

# %% [markdown]
# Ask for an environment variable explicitly and it does reach the container: the hand-over is explicit.

# %%
print(eng("run", "--rm", "-e", "LANG=zh_CN.UTF-8", "busybox", "sh", "-c", "echo LANG=$LANG"))

# %% [markdown]
# ## 3. Our version
#
# This is the one place in the engine where a container's environment is put together: the image's
# `Env`, then what the user passed. (The daemon owns this; the client only forwards `-e`.)

# %%
from minidocker.dockerd.containers import spec
teach.show_source(spec.merge_env)

# %% [markdown] anchor="s1.1.2"
# ## 4. DevOps: build once, deploy anywhere
#
# DevOps (一种思想, 一种管理模式和执行规范) joins the three teams around one artefact. The developer builds
# the application *with its environment* into an image, once, and pushes it to the team's **registry**
# (here the course's own, on a loopback port: chapter 04 explains registries). The image is the script
# of section 1, baked into busybox:

# %%
from minidocker.course import course_root
from minidocker.observe import build_steps, course_registry, engine_teardown

registry = course_registry.start(course_root() / "ch01")        # the team's registry
release = f"{registry.address}/ch01/app:1"
ctx = build_steps.write_context(course_root() / "ch01" / "app", {
    "app.sh": app + "\n", "Dockerfile": 'FROM busybox\nCOPY app.sh /app.sh\nCMD ["sh", "/app.sh"]\n'})
print(eng("build", "-q", "-t", release, str(ctx)).strip())
print(eng("push", release))

# %% [markdown] anchor="s1.1.3"
# ### One-command deployment (一键部署)
#
# Operations want **one-command deployment** (运维希望能一键部署). Two more engines, each with its own state
# (its own `MINIDOCKER_ROOT`), stand for the test server and the production server. On each, deploying is
# one command, `run IMAGE`: the engine does not have the image, pulls it from the registry, and runs it.

# %%
servers = {"test server": teach.engine("ch01-test"), "production server": teach.engine("ch01-prod")}
for where, server in servers.items():
    server("rmi", "-f", release, check=False)                       # as new: not deployed yet
    print(f"--- {where}: minidocker run --rm {release}\n" + server.transcript("run", "--rm", release))

# %% [markdown]
# The same image, byte for byte, on the developer's engine and on both servers, and the same result:

# %%
built = {"developer": eng, **servers}
ids = {who: e("image", "inspect", "--format", "{{.Id}}", release).strip() for who, e in built.items()}
print("one image everywhere:", len(set(ids.values())) == 1)
for server in servers.values():
    engine_teardown.remove(server)                                 # the two servers' engines, stopped
eng("rmi", release)
registry.stop()

# %% [markdown] anchor="s1.1.4"
# ## 5. Learning on a small machine (学习中集群搭建的问题)
#
# The source document notes that a learner's machine, being small, can start only a few virtual machines.
# Containers are processes, so a "cluster" of them costs little. Start five, and measure the memory
# they cost: their processes plus the shim that keeps each one (resident set size, read from `/proc`):

# %%
names = [f"ch01-node{i}" for i in range(5)]
for n in names:
    eng("rm", "-f", n, check=False)
    eng("run", "-d", "--name", n, "busybox", "sleep", "600")
mem = teach.container_memory(eng, names)
print(f"{len(names)} containers running; they and their shims use {mem / 2**20:.1f} MiB together")
print("less than one small VM's 256 MiB?", mem < 256 * 2**20)

# %%
teach.show_diagram(draw.process_graph(tree.snapshot(eng.root).focus(teach.container_pids(eng, names).values()), detail=False))

# %%
for n in names:
    eng("rm", "-f", n)
print("removed", len(names), "containers")

# %% [markdown]
# ## Recap
#
# - Most dev/test/ops friction is environment drift; DevOps is the practice of closing the gap.
# - The same script gave different answers on two hosts, and the same answer in a container on both:
#   the image carries the environment.
# - Only what you pass explicitly (`-e`) crosses from host to container.
# - DevOps in one picture: the developer pushes one image; test and production each deploy it with
#   one command (`run IMAGE` pulls and starts it), and get the same result.
# - Containers are cheap enough to run a small cluster on a laptop.
#
# ## Questions
#
# 1. Which of the three lines of `app` differed between the two hosts, and why?
# 2. Add `-e LANG=$LANG` style variables to the container runs: when does the result start to differ?
# 3. What would a tester need to reproduce the developer's result *without* containers?
