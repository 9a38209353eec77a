# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · The engine: client → dockerd → containerd → shim → runc
#
# *Source §2.1 (Docker 引擎架构): "Docker 引擎是用来运行和管理容器的核心软件" — the Docker engine is the core
# software that runs and manages containers. Its modern architecture has four main parts: **Docker Client**,
# **Dockerd**, **Containerd** and **Runc**, plus a small process the source document adds in §2.1.5: the **shim**.*
#
# ## Motivation
#
# Typing `docker run` feels like one program doing one thing. In fact five programs take part, each with one
# job, and only one of them ever touches the kernel's container features. Splitting the engine this way buys
# something concrete: the daemon (守护进程, *daemon*) can crash, be restarted or upgraded **while your
# containers keep running** — what the source document calls a **"Daemonless Container"**.
#
# In this chapter you watch a `run` go through the five programs, live, one step at a time:
#
# | program | source § | its one job |
# |---|---|---|
# | `minidocker` (the client, 客户端) | 2.1.1 | turns your command into Engine API requests (HTTP over a unix socket) |
# | `minidockerd` (dockerd, 守护进程) | 2.1.2 | images, networks, volumes, the REST API; talks **gRPC** to containerd ("通过gRPC与Containerd进行通信") |
# | `minicontainerd` (containerd) | 2.1.3 | the containers' life cycle (生命周期); "其本身并不会创建容器" — it does not create containers itself |
# | `minidocker-shim` (shim) | 2.1.5 | one per container: its parent, keeps its stdio open, reports its exit status |
# | `minirunc` (runc, 容器运行时) | 2.1.4 | the OCI container runtime: creates the container, then exits |

# %%
from minidocker import teach
from minidocker.observe import draw, engine_teardown, procs, run_steps, shim_view, tree

teach.require_root()
ROOT = "ch05"                                 # this chapter's own engine: its own state, sockets, cgroups
eng = teach.engine(ROOT)
WORK = eng.root / "work"
for name in ("ch05-web", "ch05-seven", "ch05-tick"):
    eng("rm", "-f", name, check=False)        # leftovers of an earlier run
print(eng("version", "--format", "client {{.Client.Version}}, server {{.Server.Version}}"))

# %% [markdown] anchor="s2.1.2"
# ## 1. Before `run`: two daemons (守护进程)
#
# With no container, the engine is two long-running processes: dockerd and containerd. The dashed arrow is
# the protocol between them (gRPC over a unix socket); there is no fork arrow, because `daemon start`
# launched both, detached, the way systemd launches Docker's.

# %%
before = tree.snapshot(eng.root, label="no container yet")
print(sorted(before.roles()))
teach.show_diagram(draw.process_graph(before, detail=False))

# %% [markdown] anchor="s2.1.4"
# ## 2. During `create`: the runtime (容器运行时) is there
#
# `run` makes containerd fork a **shim**, and the shim runs the OCI runtime: `minirunc create`, then
# `minirunc start`. `create` takes a few tens of milliseconds, too fast to catch by looking. So this one
# container runs under a **gated runtime**: a wrapper that adds one OCI *createRuntime hook* (a program the
# runtime must run in the middle of `create`, defined by the OCI runtime spec) and then *becomes* minirunc
# with `exec`. minirunc itself is unchanged; when it reaches the hook, the hook waits until we open a gate.
# For `start`, the wrapper waits for a second gate before it becomes minirunc. Here is the whole wrapper:

# %%
gate = run_steps.gated_runtime(WORK, hold_start=True)
print(teach.rooted(open(gate.runtime).read()))   # (paths under the course root written as $MINIDOCKER_COURSE_ROOT)

# %% [markdown]
# Start `run -d` in the background with that runtime, and snapshot the process tree once the runtime sits in
# its hook. Everything in the picture is a real process at that instant: the client still waiting for its
# answer, the shim, **the runtime**, the container's first process (its *init*: forked by the runtime, still
# running the runtime's code, in the container's new PID namespace where it is PID 1, waiting for `start`),
# and the hook.

# %%
client = run_steps.start_client(eng, "run", "-d", "--runtime", gate.runtime, "--name", "ch05-web", "busybox",
                     "httpd", "-f", "-p", "8080")
during = run_steps.runtime_held(eng.root, title="during create: the runtime holds the container")
print(sorted(during.roles()))
teach.show_diagram(draw.process_graph(during))

# %%
runtime = during.by_role("runtime")[0]
init = [p for p in during.by_role("container") if p.ppid == runtime.pid][0]
print(f"the runtime: {runtime.name}, parent {during.procs[runtime.ppid].role}")
print(f"the container's init: {init.name!r}, parent {during.procs[init.ppid].role}, "
      f"PID in its own namespace: {init.inner_pid}")

# %% [markdown]
# ## 3. Between `create` and `start`: the runtime has gone, the shim is the parent
#
# Open the first gate. The hook returns, minirunc finishes `create` and **exits**. The container exists
# (namespaces, cgroups, root filesystem) but its program has not begun: the init still waits on the exec
# FIFO for `start`, which the wrapper now holds back (the box labelled *gate*: our wrapper, not yet minirunc).
# Who is the init's parent now? Not the runtime that forked it (gone), and not PID 1 of the host: the
# **shim**. The shim asked the kernel to adopt orphans below it (`prctl(PR_SET_CHILD_SUBREAPER)`), so
# "当 Runc 自动退出之前，会先将新容器进程的父进程指定为相应的 Shim 进程": before runc exits, the new
# container's parent has in effect become the shim. (The diagram's solid arrows are parent → child as
# `/proc/PID/status` says, labelled *fork* by the drawing code; here the shim did not fork the init, it adopted it.)

# %%
gate.open()
between = run_steps.start_held(eng.root, title="after create, before start: the runtime has exited")
print(sorted(between.roles()))
print("the init is the same process:", init.pid in between.procs,
      "| its parent now:", between.procs[between.procs[init.pid].ppid].role)
print("the container's state meanwhile:", eng("inspect", "--format", "{{.State.Status}}", "ch05-web").strip())
teach.show_diagram(draw.process_graph(between))

# %% [markdown]
# ## 4. After `start`: the container runs, no runtime left
#
# Open the second gate: `minirunc start` opens the exec FIFO, the init `execve()`s the container's program
# (`httpd`), and `start` exits too. The source document: "在启动完毕后Runc会自动退出" — once the container is
# started, runc exits by itself.

# %%
gate.open_start()
print(client.communicate(timeout=60)[0].strip())
pid = teach.container_pids(eng, ["ch05-web"])["ch05-web"]
after = run_steps.label(tree.snapshot(eng.root, label="after start: no runtime left")).focus([pid])
print(sorted(after.roles()), "| same init as during create:", pid == init.pid, "| now:", procs.read(pid).name)
teach.show_diagram(draw.process_graph(after))

# %%
shim = run_steps.shim_of(pid)
print("the container's parent is the shim:", procs.read(pid).ppid == shim)
print("the shim's parent:", procs.read(shim).ppid, "(1 = init: containerd detached it; it is not containerd's child)")

# %% [markdown]
# ### Our version: the three calls of a `run`
#
# dockerd receives `POST /containers/create` and records the container (validation lives here, once):

# %%
from minidocker.containerd.tasks import TaskManager
from minidocker.dockerd.create import CreateMixin
from minidocker.shim.service import TaskService

teach.show_source(CreateMixin.create_container)

# %% [markdown]
# On `POST /containers/{id}/start`, dockerd asks containerd over gRPC to create a task. containerd forks a
# shim for it and hands it the OCI spec:

# %%
teach.show_source(TaskManager.create)

# %% [markdown]
# The shim mounts the root filesystem, writes `config.json` and drives the runtime's `create`; the container's
# process is its child from then on:

# %%
teach.show_source(TaskService.create)

# %% [markdown]
# The shim keeps every process it runs in an explicit state machine (the same states as containerd's):

# %%
from minidocker.shim import state as shim_state

teach.show_source(shim_state)

# %% [markdown] anchor="s2.1.5"
# ## 5. The shim keeps stdin and stdout open
#
# "保持所有 STDIN 与STDOUT 流的开启状态" — the shim keeps the container's streams open, so that a daemon
# restart does not end the container through a closed pipe. Look at the open files (`/proc/PID/fd`) of the
# container and of its shim: the container writes into pipes; the shim holds their read ends.

# %%
teach.table(["container fd", "is a", "held by the shim"], shim_view.stdio_rows(pid, shim))

# %% [markdown]
# And where does the shim send what it reads? Into the **json-file log** (what `logs` reads, even with no
# daemon) and into **FIFOs** (named pipes) that dockerd made and reads for an attached client. The diagram
# is drawn from the file descriptors open right now:

# %%
teach.show_diagram(shim_view.stdio_graph(pid, shim, shim_view.daemon_pids(eng.root)["dockerd"]))

# %% [markdown]
# If dockerd goes away, only dockerd's end of each FIFO closes. The pipe between the container and the
# shim is untouched, so the container never writes into a pipe without a reader (which would kill it
# with `SIGPIPE`).
#
# ## 6. The exit status travels back (将容器的退出状态反馈给 Docker Daemon)
#
# A container's exit status is the exit status of its init. The kernel tells only the **parent**, through
# `wait()`: that is the shim. Run a container that exits with 7:

# %%
code, out = eng.status("run", "--name", "ch05-seven", "busybox", "sh", "-c", "echo bye; exit 7")
print(f"run printed {out.strip()!r} and exited with {code}")
print("wait:", eng("wait", "ch05-seven").strip())
print("inspect:", eng("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "ch05-seven").strip())

# %% [markdown]
# The path back: the shim's reaper collects the status from the kernel and records it in the process's
# state (its `_monitor` thread); dockerd, waiting on the shim through containerd, writes it into the
# container's record on disk (`config.v2.json`), which `ps`, `wait` and `inspect` read.

# %%
teach.show_source(TaskService._monitor)

# %%
cid = eng("inspect", "--format", "{{.Id}}", "ch05-seven").strip()
print("dockerd's record on disk:", shim_view.exit_record(eng.root, cid))

# %% [markdown] anchor="s2.1.5.1"
# ## 7. Restart the daemons; the containers live on ("Daemonless Container")
#
# "使得 Docker Daemon 的维护与升级不会影响到远行中的容器" — maintaining or upgrading the daemon does not affect
# running containers. Try the worst case: not a polite stop but `kill -9` of **both** dockerd and
# containerd. Before that, start two more containers: one that prints a tick five times a second, and one
# that waits for a file (on a bind mount) and then exits with 7, so that it can exit *while the daemons
# are dead*.

# %%
gate7 = WORK / "gate7"
gate7.mkdir(parents=True, exist_ok=True)
(gate7 / "go").unlink(missing_ok=True)
tick = eng("run", "-d", "--name", "ch05-tick", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.2; done").strip()
eng("rm", "ch05-seven")
seven = eng("run", "-d", "--name", "ch05-seven", "-v", f"{gate7}:/gate", "busybox",
            "sh", "-c", "until [ -e /gate/go ]; do sleep 0.1; done; exit 7").strip()
pids = teach.container_pids(eng, ["ch05-web", "ch05-tick", "ch05-seven"])
killed = shim_view.crash_daemons(eng.root)
print("killed with SIGKILL:", sorted(killed))

# %%
outage = tree.snapshot(eng.root, label="dockerd and containerd killed")
print("engine processes left:", sorted(outage.roles()))
print("all three containers still running:", all(p in outage.procs for p in pids.values()))
teach.show_diagram(draw.process_graph(outage, detail=False))

# %% [markdown]
# The ticker's stdio right now, from its open files: the pipes to its shim are untouched; the shim still
# holds the FIFOs (opened read-write, so a missing reader never breaks them) and the log. No dockerd reads.

# %%
tick_shim = run_steps.shim_of(pids["ch05-tick"])
teach.show_diagram(shim_view.stdio_graph(pids["ch05-tick"], tick_shim, None))

# %% [markdown]
# Nobody reads the FIFOs now, yet the ticker keeps printing: its shim keeps writing the json log.
# Count its lines straight from the file, then watch the file for new ones (a few seconds at most):

# %%
log = shim_view.json_log(eng.root, tick)
print("log lines keep coming while the daemons are dead:", shim_view.log_grows(log, seconds=5.0))

# %% [markdown]
# Now let `ch05-seven` exit while there is no daemon. Its shim reaps it and keeps the status. We can ask
# the shim directly, on its own socket, with no daemon involved:

# %%
(gate7 / "go").touch()
print("ch05-seven's process has exited:", shim_view.wait_gone(pids["ch05-seven"]))
answer = shim_view.ask_shim(eng.root, seven)
print("the shim says:", {k: answer[k] for k in ("status", "exit_status", "oom_killed")})

# %% [markdown]
# Start the daemons again. containerd finds the running shims from the files it keeps beside each bundle
# and reconnects; dockerd re-adopts its containers, and learns the exit status of the one that ended
# while it was away:

# %%
print(teach.rooted(eng("daemon", "start")))
print(eng("ps", "-a", "--format", "table {{.Names}}\t{{.Image}}\t{{.State}}"))
print("ch05-seven exited with:", eng("wait", "ch05-seven").strip())

# %%
print("logs still work:", eng("logs", "--tail", "2", "ch05-tick").split())
print("exec still works:", eng("exec", "ch05-web", "echo", "hello from exec").strip())
print("stop still works:", eng("stop", "-t", "1", "ch05-tick").strip(),
      eng("inspect", "--format", "{{.State.Status}}", "ch05-tick").strip())

# %% [markdown]
# How dockerd re-adopts a container after its restart: a task still running gets its stdio FIFOs reopened
# and a new watcher; a task that stopped meanwhile is recorded with the status its shim kept.

# %%
from minidocker.dockerd.lifecycle import LifecycleMixin

teach.show_source(LifecycleMixin._restore_one)

# %% [markdown]
# ## 8. Where the time of `run` goes
#
# Five programs take part in every `run`: how long does each take? The engine writes a **trace** when the
# variable `MINIDOCKER_TRACE` names a directory (as moby and containerd export OpenTelemetry spans): each
# process appends one line per step (an API request in dockerd, a gRPC method in containerd, a request to
# the shim, a phase of the runtime's `create`) with its start and end on `CLOCK_MONOTONIC`, the one clock
# every process of the host shares. Daemons started with the variable pass it to the shims and runtimes they
# start. A second engine of this chapter runs with it; its trace of one `run --rm busybox true` is drawn
# below, one row per process (the second run is kept: the first one warms the page cache).

# %%
from minidocker.observe import timeline

traced = timeline.tracing_engine("ch05-trace")    # a second engine whose daemons write a trace
spans = timeline.traced_run(traced, "--rm", "--network", "none", "busybox", "true", runs=2)
print("; ".join(engine_teardown.remove(traced)))
timeline.plot(spans)

# %% [markdown]
# Read the rows from the top: the client, dockerd, containerd, the shim, **three** runtime processes
# (`create`, `start`, and `delete` once the container exited: `--rm`), and the container itself, which runs
# `true` for a moment. Little of the time goes into namespaces or mounts: much goes into **starting Python
# programs** (an interpreter starting and importing its modules: the client's first span). Docker's programs
# are compiled Go and start in a few milliseconds. Two tricks hide that cost, and keep every process the
# course shows. containerd keeps **one spare shim** started ahead of need (named `shim-spare`): `run` hands
# it the container and it **forks** that container's shim, its own process in its own session as before (the
# shim row's first span: *forked from the spare shim*), and stays ready for the next container. And the
# shim imports minirunc's modules once and **forks** itself for each runtime command instead of starting a
# new interpreter (the first span of each runtime row: *forked from the shim*); the runtime is still its own
# process, named `minirunc`, and still exits once its command is done.

# %%
print(timeline.breakdown(spans))

# %% [markdown]
# ## Recap
#
# - The client (客户端) only speaks HTTP to dockerd; dockerd (守护进程) speaks gRPC to containerd; containerd
#   forks one shim per container; the shim runs the runtime (容器运行时, runc's part, the OCI layer).
# - The runtime lives only while it creates and starts the container, then exits; the container's parent
#   is the shim, a child subreaper.
# - The shim holds the container's stdio (pipes), writes its log and records its exit status, so the daemons
#   can be killed and restarted: that is what makes a container "daemonless".
#
# ## Questions
#
# 1. In sections 2 and 3 the container's init was named `minirunc:[INIT]`; in section 4 it was `httpd`, with
#    the same PID. What happened between the pictures, and which program did it?
# 2. Why must the shim, not containerd, be the container's parent for section 7 to work?
# 3. What would happen to `ch05-tick` if the container's stdout were dockerd's FIFO directly?
# 4. `ch05-seven` exited with 7 while no daemon ran. Name each process that held the number 7, in order.

# %%
gate.close()
print("; ".join(engine_teardown.remove(eng)))   # containers, daemons, bridge, cgroups of this chapter's engine
