# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Container commands
#
# *Source: "Command about containers": `docker run [ops] IMAGE [cmd] [arg...]` — "establish and run a
# container" (新建并启动容器).*
#
# ## Motivation
#
# One command makes and starts a container: `run`. Everything else — `ps`, `logs`, `exec`, `stop`, `rm`,
# `inspect` — looks at a container or acts on it. The options of `run` are where a container gets its
# shape: a name, environment variables (环境变量), files from the host or a volume (数据卷), a published
# port (端口映射), limits on memory and processes (资源限制). Each option becomes something concrete on the
# host, and this chapter goes and looks at each one.
#
# Docker's command line and ours take the same options and print the same tables:
#
#     docker run [OPTIONS] IMAGE [COMMAND] [ARG...]
#     minidocker run [OPTIONS] IMAGE [COMMAND] [ARG...]

# %%
from minidocker import teach
from minidocker.observe import engine_teardown, run_options, terminal, widgets

teach.require_root()
ROOT = "ch08"                                # this chapter's own engine: its own state, sockets, cgroups
eng = teach.engine(ROOT)
NAMES = ("ch08-app", "ch08-web", "ch08-hog", "ch08-limits", "ch08-tty", "ch08-healthy", "ch08-db")
for name in NAMES:
    eng("rm", "-f", name, check=False)       # leftovers of an earlier run
eng("volume", "rm", "ch08-data", check=False)
eng("network", "rm", "ch08-net", check=False)
HOST_DIR = eng.root / "work" / "shared-with-container"
HOST_DIR.mkdir(parents=True, exist_ok=True)
PORT = 18808                                  # the host port section 6 publishes

# %% [markdown] anchor="cmd.run"
# ## 1. `run IMAGE [COMMAND] [ARG...]`: image (镜像), command, arguments
#
# `busybox` is the **image** (镜像): the files the container starts from. `echo` is the **command**, the
# rest are its **arguments**. The container (容器) lives as long as its command runs.

# %%
print(eng("run", "--rm", "busybox", "echo", "one", "container,", "one", "command"))

# %% [markdown]
# Without a command, the container runs the image's default one, its `CMD`:

# %%
print("busybox's CMD:", eng("image", "inspect", "--format", "{{json .Config.Cmd}}", "busybox").strip())
print(eng("run", "--rm", "busybox", "sh", "-c", "echo my PID is $$ and I am $(cat /proc/1/comm)"))

# %% [markdown] anchor="cmd.it"
# ## 2. `-i` and `-t`: an interactive terminal (交互式终端)
#
# `docker run -it busybox sh` gives you a shell inside the container: `-i` keeps the container's stdin
# open and connected to yours, `-t` gives the container a **terminal** (a pseudo-terminal, pty) instead of
# pipes. A notebook cell has no terminal: its commands run on pipes, and `-t` is refused there, exactly
# as Docker refuses it when stdin is a pipe:

# %%
code, out = eng.status("run", "-it", "--rm", "busybox", "sh")
print(f"exit code {code}: {out.strip()}")

# %% [markdown]
# With `-i` alone the shell reads its commands from our stdin, but it is not on a terminal (`tty` says so):

# %%
print(eng("run", "-i", "--rm", "busybox", "sh", input="tty; echo my PID is $$\n", check=False))

# %% [markdown]
# So this cell plays the terminal itself: it opens a pty pair (what a terminal window does), runs the
# client `minidocker run -it ...` on it, types a line at each prompt and shows the screen. The container's
# shell is on a terminal of its own (`/dev/pts/0` inside), of the size the client's terminal has (the
# client sends it to the engine, and again at every resize):

# %%
shell = terminal.session(teach.cli_path() + ["run", "-it", "--rm", "--name", "ch08-tty", "busybox", "sh"],
                         ["tty", "stty size", "echo my PID is $$", "exit 3"], env=eng.env())
print(shell.screen)
print("exit code of `run -it`:", shell.code)

# %% [markdown]
# In JupyterLab you can do the same by hand: File > New > Terminal opens a real terminal, where
# `minidocker run -it --rm busybox sh` (`minidocker` is on the terminal's `PATH`; it talks to the system
# engine) behaves as `docker run -it` does: `exit` or Ctrl-D leaves.

# %% [markdown] anchor="cmd.detach"
# ## 3. `-d` (detached, 后台运行) and `--name`: then `ps`, `logs`, `exec`
#
# With `-d` the client does not wait: it prints the new container's ID and returns, the container keeps
# running in the background. `--name` gives it a name to use instead of the ID.

# %%
print(eng("run", "-d", "--name", "ch08-app", "busybox",
          "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; while true; do sleep 1; done"))

# %% [markdown]
# `ps` lists the running containers (`ps -a`: the stopped ones too). `--format` picks columns; this
# table leaves out the columns that change from second to second (age, uptime):

# %%
print(eng("ps", "--format", "table {{.Names}}\t{{.Image}}\t{{.Command}}\t{{.State}}"))

# %% [markdown]
# `logs` prints what the container wrote on stdout and stderr (the shim keeps it in a json-file log,
# see chapter 05); `--tail N` only the last N lines:

# %%
run_options.wait_logs(eng, "ch08-app", "line 5")       # (its output may take a moment to arrive)
print(eng("logs", "--tail", "2", "ch08-app"))

# %% [markdown]
# `exec` runs another program **inside** the running container: same namespaces, same files, same cgroup.
# Its exit code comes back to you:

# %%
print(eng("exec", "ch08-app", "sh", "-c", "echo PID 1 in here runs: $(cat /proc/1/comm); hostname"))
code, _ = eng.status("exec", "ch08-app", "sh", "-c", "exit 3")
print("exec's exit code:", code)

# %% [markdown] anchor="cmd.env"
# ## 4. `-e`: environment variables (环境变量)

# %%
print(eng("run", "--rm", "-e", "GREETING=你好", "-e", "TARGET=world", "busybox",
          "sh", "-c", 'echo "$GREETING, $TARGET"; env | sort | grep -E "^(GREETING|TARGET|PATH|HOSTNAME)=" | cut -c1-40 | sed "s/HOSTNAME=.*/HOSTNAME=<the container ID>/"'))

# %% [markdown] anchor="cmd.volume"
# ## 5. `-v`: a host directory (bind mount) and a named volume (数据卷)
#
# A container's own files disappear with it. `-v HOST_PATH:PATH` mounts a host directory into the
# container: both sides see the same files, live.

# %%
(HOST_DIR / "from-host.txt").write_text("written on the host\n")
print(eng("run", "--rm", "-v", f"{HOST_DIR}:/shared", "busybox",
          "sh", "-c", "cat /shared/from-host.txt; echo written in the container > /shared/from-container.txt"))
print("on the host now:", (HOST_DIR / "from-container.txt").read_text().strip())

# %% [markdown]
# `-v NAME:PATH` uses a **named volume** instead: a directory the engine manages, made on first use,
# that outlives every container using it. One container writes, a later one reads:

# %%
eng("run", "--rm", "-v", "ch08-data:/data", "busybox", "sh", "-c", "echo kept across containers > /data/note")
print(eng("run", "--rm", "-v", "ch08-data:/data", "busybox", "cat", "/data/note").strip())
print(eng("volume", "ls", "--format", "{{.Driver}} {{.Name}}"))
print("its directory on the host:", teach.rooted(eng("volume", "inspect", "--format", "{{.Mountpoint}}", "ch08-data").strip()))

# %% [markdown] anchor="cmd.publish"
# ## 6. `-p`: publish a port (端口映射)
#
# A container has its own network namespace: a server inside listens on the container's address, not the
# host's. `-p 127.0.0.1:HOST_PORT:CONTAINER_PORT` forwards the host's port to the container's. Here busybox's
# `httpd` serves one page on port 80 inside; this notebook, on the host, asks `127.0.0.1`:

# %%
page = "<h1>hello from a container</h1>"
eng("run", "-d", "--name", "ch08-web", "-p", f"127.0.0.1:{PORT}:80", "busybox", "sh", "-c",
    f"mkdir -p /www && echo '{page}' > /www/index.html && exec httpd -f -p 80 -h /www")
print(eng("ps", "--filter", "name=ch08-web", "--format", "{{.Names}}: {{.Ports}}"))
print("the host got:", run_options.http_get(PORT).strip())

# %% [markdown] anchor="cmd.rm-flag"
# ## 7. `--rm`: remove the container when it exits
#
# Without `--rm` a finished container stays (`ps -a` shows it as exited) until `rm`. With `--rm` the engine
# removes it as soon as its command ends:

# %%
eng("run", "--rm", "--name", "ch08-once", "busybox", "true")
print("ch08-once still listed by ps -a:", "ch08-once" in eng("ps", "-a", "--format", "{{.Names}}"))

# %% [markdown] anchor="cmd.limits"
# ## 8. Limits (资源限制): `--memory` and `--pids-limit`
#
# Limits are **cgroups**: the engine writes them into the container's cgroup files and the kernel
# enforces them. Start a container with both limits and read the files back. (As an ordinary user, your
# engine makes its containers' cgroups inside the cgroup subtree root delegated to you, capped as a whole;
# without one it refuses the limits in one line that says what to do, and the cells below skip.)

# %%
LIMITS = run_options.start_limited(eng, "ch08-limits", "48m", 20)
lim_pid = teach.container_pids(eng, ["ch08-limits"])["ch08-limits"]
for limit in ("memory", "pids") if LIMITS else ():
    print(f"{limit}: {run_options.read_limit(lim_pid, limit)}  ({run_options.limit_file(lim_pid, limit).name})")

# %% [markdown]
# **Memory.** A program that needs 64 MiB, in a container allowed 32 MiB: the kernel's OOM killer (out of
# memory) kills it with `SIGKILL`, the exit code is 128 + 9 = 137, and `inspect` says `OOMKilled`:

# %%
if run_options.needs_limits(LIMITS, "the OOM kill of a 64 MiB program under --memory 32m"):
    code, _ = eng.status("run", "--name", "ch08-hog", "--memory", "32m", "busybox", *widgets.hog_command(64))
    print("exit code:", code)
    print(eng("inspect", "--format", "OOMKilled={{.State.OOMKilled}} ExitCode={{.State.ExitCode}} "
              "Memory={{.HostConfig.Memory}}", "ch08-hog"))

# %% [markdown]
# The same program with 128 MiB allowed finishes normally. Try other limits with the slider (each move
# runs one container):

# %% tags=["nbval-ignore-output"]
widgets.memory_slider(run_options.hog_runner(eng), hog_mb=64) if run_options.needs_limits(LIMITS, "the slider") else None

# %% [markdown]
# **Processes.** `--pids-limit` caps how many processes the container may have at once: a defence
# against fork bombs. Ask for 20 background `sleep`s with a limit of 10:

# %%
if run_options.needs_limits(LIMITS, "20 sleeps under --pids-limit 10"):
    code, out = eng.status("run", "--rm", "--pids-limit", "10", "busybox",
                           "sh", "-c", "for i in $(seq 20); do sleep 5 & echo started $i; done")
    started = [line for line in out.splitlines() if line.startswith("started")]
    print("exit code:", code, "| all 20 sleeps started:", len(started) == 20)
    print([line for line in out.splitlines() if "fork" in line][0])

# %% [markdown] anchor="cmd.stop"
# ## 9. `stop`, `rm`, `inspect`
#
# `stop` sends `SIGTERM` and, after a grace period (`-t` seconds), `SIGKILL`. Our `ch08-app` is a shell
# running as PID 1 of its namespace, and the kernel drops any signal a namespace's PID 1 has no handler for
# (only `SIGKILL` and `SIGSTOP` from outside get through): `SIGTERM` does nothing, and after one second
# `SIGKILL` ends it (137).

# %%
print(eng("stop", "-t", "1", "ch08-app").strip())
print(eng("inspect", "--format", "{{.State.Status}} ExitCode={{.State.ExitCode}}", "ch08-app").strip())

# %% [markdown]
# `rm` removes a stopped container; a running one only with `-f` (it is killed first). The error and its
# exit code are docker's:

# %%
code, out = eng.status("rm", "ch08-web")
print(f"exit code {code}: {out.strip()}")
print(eng("rm", "-f", "ch08-web").strip(), "removed with -f")

# %% [markdown]
# `inspect` prints everything the engine knows about a container as JSON; `--format` picks fields with a
# Go template. These are the fields the options above set:

# %%
print(eng("inspect", "--format", "Name={{.Name}} Image={{.Config.Image}} Cmd={{json .Config.Cmd}}\n"
          "Memory={{.HostConfig.Memory}} PidsLimit={{.HostConfig.PidsLimit}} State={{.State.Status}}", "ch08-limits"))

# %% [markdown] anchor="cmd.health"
# ## 10. `--health-cmd`: running is not the same as working
#
# A container is "Up" as long as its command runs, even when the service inside is stuck. A **health check**
# is a command the engine itself runs inside the container every `--health-interval` (as an `exec`): exit 0
# means healthy; `--health-retries` failures in a row mean unhealthy. An image can carry one too
# (`HEALTHCHECK` in its Dockerfile, chapter 09). Here the check is "does /tmp/ready exist?":

# %%
eng("run", "-d", "--name", "ch08-healthy", "--health-cmd", "test -e /tmp/ready", "--health-interval", "200ms",
    "--health-retries", "2", "busybox", "sleep", "600")
print("before:", run_options.wait_health(eng, "ch08-healthy"), "| ps shows", run_options.ps_health(eng, "ch08-healthy"))
eng("exec", "ch08-healthy", "touch", "/tmp/ready")
print("after touch:", run_options.wait_health(eng, "ch08-healthy", want="healthy"),
      "| ps shows", run_options.ps_health(eng, "ch08-healthy"))
health = run_options.health(eng, "ch08-healthy")
print("the last probe exited", health["Log"][-1]["ExitCode"], "| failing streak now:", health["FailingStreak"],
      "| results kept (at most 5):", len(health["Log"]) <= 5)

# %% [markdown] anchor="cmd.network"
# ## 11. `--network`: containers that find each other by name
#
# On the default bridge a container knows the others only by address. On a network you create
# (`network create`), the engine also answers DNS questions inside each container, at `127.0.0.11`: the
# names of the other containers on that network, and their `--network-alias`es, resolve to their addresses.
# `network connect` plugs a running container into one more network (a second interface, `eth1`).

# %%
eng("network", "create", "ch08-net")
eng("run", "-d", "--name", "ch08-db", "--network", "ch08-net", "--network-alias", "db", "busybox", "sleep", "600")
db = run_options.address(eng, "ch08-db", "ch08-net")
for name in ("ch08-db", "db", "ch08-limits"):
    found = run_options.resolve(eng, "ch08-net", name)
    print(f"{name:12} ->", "ch08-db's address" if found == db else (found or "not found: not on ch08-net"))
print(eng("run", "--rm", "--network", "ch08-net", "busybox", "cat", "/etc/resolv.conf").strip())
eng("network", "connect", "ch08-net", "ch08-limits")
print("ch08-limits now has", run_options.interfaces(eng, "ch08-limits"), "and resolves as",
      "ch08-limits's address" if run_options.resolve(eng, "ch08-net", "ch08-limits") else "nothing")

# %% [markdown] anchor="cmd.docker-cli"
# ## 12. The same commands from Docker's own command line
#
# Our engine speaks the Docker Engine API, so Docker's own `docker` CLI can drive it, pointed at our socket
# with `-H`. The same options, the same output, the same exit codes:

# %%
code, out = run_options.docker_cli(eng, "run", "--rm", "-e", "WHO=docker's CLI", "busybox", "sh", "-c", 'echo "hello from $WHO"; exit 5')
print(f"docker run printed {out.strip()!r} and exited with {code}")
code, out = run_options.docker_cli(eng, "ps", "-a", "--filter", "name=ch08-", "--format", "{{.Names}}: {{.State}}")
print(out)

# %% [markdown]
# ## Recap
#
# | command | what it does | seen live as |
# |---|---|---|
# | `run IMAGE [COMMAND] [ARG...]` | makes and starts a container | its output |
# | `-i`, `-t` | stdin kept open, a terminal (交互式终端) | a shell on `/dev/pts/0`, typed into |
# | `-d`, `--name` | in the background, with a name | `ps` |
# | `-e` | environment variables (环境变量) | `env` inside |
# | `-v` | bind mount or named volume (数据卷) | files on both sides |
# | `-p` | publish a port (端口映射) | `httpd` answering on 127.0.0.1 |
# | `--rm` | removed on exit | gone from `ps -a` |
# | `--memory`, `--pids-limit` | cgroup limits (资源限制) | cgroup files, OOMKilled, can't fork |
# | `--health-cmd` | a check the engine runs inside | `(unhealthy)`, then `(healthy)` in `ps` |
# | `--network`, `network connect` | a user-defined network, names resolved at 127.0.0.11 | `nslookup db` |
# | `ps`, `logs`, `exec`, `stop`, `rm`, `inspect` | look at or act on a container | the cells above |
# | `docker -H unix://...` | Docker's own CLI on our engine | same output, same exit codes |
#
# ## Questions
#
# 1. `stop -t 1 ch08-app` took about a second and ended with 137. Change the command so that it stops at
#    once with exit code 0 (hint: `trap`).
# 2. Where on the host does the named volume `ch08-data` live, and what happens to it after `rm` of every
#    container that used it?
# 3. Why did the memory hog get exit code 137, and where in the host's file system is its limit written?
# 4. With `-p`, who answers on `127.0.0.1:18808` when no container is running?
# 5. `ch08-limits` did not resolve from `ch08-net` until it was connected. Which process answered the
#    question, and why can a container on the default bridge not ask it?

# %%
for name in NAMES:
    eng("rm", "-f", name, check=False)
print(eng("volume", "rm", "ch08-data").strip())
print(eng("network", "rm", "ch08-net").strip())
print("; ".join(engine_teardown.remove(eng)))   # daemons, bridge, cgroups of this chapter's engine
