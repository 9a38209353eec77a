"""Chapter 08's live helpers: what `run`'s options turn into on the host: a cgroup's limit files, a port
answering on 127.0.0.1, a memory hog for the OOM killer (cf. moby daemon/oci_linux.go withResources;
the kernel's cgroup-v1 memory.txt / pids.txt and cgroup-v2.rst).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from minidocker.observe import procs

CGROUP_FS = Path("/sys/fs/cgroup")
# (controller, v1 file, v2 file) for the limits `run` sets.
LIMIT_FILES = {
    "memory": ("memory", "memory.limit_in_bytes", "memory.max"),
    "pids": ("pids", "pids.max", "pids.max"),
}


def limit_file(pid: int, limit: str) -> Path:
    """The cgroup file that holds a process's `limit` ("memory" or "pids"), v1 if that controller is on v1."""
    controller, v1, v2 = LIMIT_FILES[limit]
    groups = procs.cgroups(pid)
    if controller in groups:
        return CGROUP_FS / controller / groups[controller].lstrip("/") / v1
    return CGROUP_FS / groups.get("", "/").lstrip("/") / v2


def read_limit(pid: int, limit: str) -> str:
    """The limit as the kernel holds it ("max" or a number), read from the container's cgroup."""
    return limit_file(pid, limit).read_text().strip()


def http_get(port: int, path: str = "/", host: str = "127.0.0.1", timeout: float = 15.0) -> str:
    """GET http://host:port/path, retrying until the server answers (it may still be starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=2) as resp:
                return resp.read().decode()
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def hog_runner(eng, image: str = "busybox"):
    """run_hog(limit_bytes, hog_mb) -> (exit code, output) for widgets.memory_slider: one `run --rm -m`
    of a memory hog against eng's root, whose engine is started again if it is down (after Run All, the
    chapter's last cell has taken it down, and the slider must still work)."""
    from minidocker import teach
    from minidocker.observe import widgets

    def run_hog(limit_bytes: int, hog_mb: int) -> tuple[int, str]:
        live = teach.engine(eng.root)  # pings first: starts the daemons only when they are gone
        return live.status("run", "--rm", "--memory", str(limit_bytes), image, *widgets.hog_command(hog_mb))

    return run_hog


def wait_logs(eng, name: str, text: str, timeout: float = 15.0) -> str:
    """Poll `logs NAME` until its output contains text (a detached container writes on its own time)."""
    deadline = time.monotonic() + timeout
    while True:
        out = eng("logs", name)
        if text in out or time.monotonic() > deadline:
            return out
        time.sleep(0.1)


def docker_cli(eng, *args: str) -> tuple[int, str]:
    """Run Docker's own `docker` CLI against eng's socket (-H unix://...): (exit code, output); (127, why) if absent."""
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if docker is None:
        return 127, "the docker CLI is not installed"
    env = eng.env()
    env["DOCKER_CONFIG"] = str(Path(eng.root or "/tmp") / "docker-cli-config")  # not the user's ~/.docker
    env.pop("DOCKER_HOST", None)
    env.pop("DOCKER_CONTEXT", None)
    done = subprocess.run([docker, "-H", f"unix://{eng.socket}", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout + done.stderr


def wait_health(eng, name: str, want: str | None = None, timeout: float = 30.0) -> str:
    """Poll State.Health.Status until it has left "starting" (or reached `want`); returns it."""
    deadline = time.monotonic() + timeout
    while True:
        status = eng("inspect", "--format", "{{.State.Health.Status}}", name).strip()
        if (status == want if want else status != "starting") or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def ps_health(eng, name: str) -> str:
    """What `ps` adds after "Up <time>": "(healthy)", "(unhealthy)", "(health: starting)" or ""."""
    status = eng("ps", "--filter", f"name=^{name}$", "--format", "{{.Status}}").strip()
    return status[status.index("("):] if "(" in status else ""


def address(eng, name: str, network: str) -> str:
    """The container's IPv4 address on one network, as inspect shows it."""
    import json

    networks = json.loads(eng("inspect", "--format", "{{json .NetworkSettings.Networks}}", name))
    return (networks.get(network) or {}).get("IPAddress") or ""


def resolve(eng, network: str, name: str) -> str:
    """The address `name` resolves to for a container on `network` (busybox's nslookup through the
    embedded DNS at 127.0.0.11); "" when it does not resolve."""
    code, out = eng.status("run", "--rm", "--network", network, "busybox", "nslookup", "-type=a", name)
    found = [line.split()[-1] for line in out.splitlines() if line.startswith("Address") and "127.0.0.11" not in line]
    return found[0] if code == 0 and found else ""


def interfaces(eng, name: str) -> list[str]:
    """The network interfaces inside a running container that have an IPv4 address."""
    out = eng("exec", name, "ip", "-o", "-4", "addr")
    return [line.split()[1] for line in out.splitlines() if line.split()[1:2] != ["lo"]]


def health(eng, name: str) -> dict:
    """State.Health of a container: Status, FailingStreak and the last probes' Log."""
    import json

    return json.loads(eng("inspect", "--format", "{{json .State.Health}}", name))


REFUSAL = "needs a cgroup subtree delegated to"  # a rootless engine's one-line refusal of a limit (rootless/cgroups.py)


def start_limited(eng, name: str, memory: str, pids: int, *command: str) -> bool:
    """`run -d --name NAME --memory M --pids-limit P busybox COMMAND`: True when the engine set the limits.
    A rootless engine whose user was delegated no cgroup subtree refuses them in one line: print it, start the
    container without limits (the sections after it still use it) and return False. Any other failure raises."""
    command = command or ("sleep", "600")
    code, out = eng.status("run", "-d", "--name", name, "--memory", memory, "--pids-limit", str(pids), "busybox", *command)
    if code == 0:
        return True
    refusal = next((line for line in out.splitlines() if REFUSAL in line), None)
    if refusal is None:
        raise RuntimeError(f"minidocker run {name} exited {code}: {out.strip()}")
    print("refused:", refusal.split("daemon: ", 1)[-1])
    eng("run", "-d", "--name", name, "busybox", *command)
    print(f"{name} started without limits instead, for the sections below")
    return False


def needs_limits(limits: bool, what: str) -> bool:
    """True when the engine sets limits; otherwise say which step is skipped and why (never a faked result)."""
    if not limits:
        print(f"skipped (no cgroup subtree delegated to you, see the refusal above): {what}")
    return limits


def limits_refusal(eng) -> str | None:
    """None when the engine can set --memory and --pids-limit (`info`'s MemoryLimit and PidsLimit, false in a
    rootless engine whose user was delegated no cgroup subtree); else the line it would refuse them with."""
    if eng("info", "--format", "{{.MemoryLimit}} {{.PidsLimit}}").split() == ["true", "true"]:
        return None
    import os

    from minidocker import paths
    from minidocker.rootless import cgroups

    return cgroups.refusal("--memory", "memory", paths.rootless_uid() or os.getuid())
