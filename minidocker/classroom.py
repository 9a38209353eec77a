"""A class on one server: learner accounts with their own rootless engines behind JupyterHub
(cf. JupyterHub's LocalProcessSpawner and PAMAuthenticator; `sudo ./run-classroom --learners N`).

`start` makes N learner accounts (home 0700, a random password, the subordinate ids useradd allocates
in /etc/subuid and /etc/subgid), copies the course into each home, writes the hub's configuration under
the class's state directory and starts JupyterHub (with configurable-http-proxy from npm) on
127.0.0.1:8000 in the background. Each learner's server is started by the hub as that learner, through
scripts/classroom-singleuser, which starts the learner's own rootless engine first (rootless/launcher.py).
Each learner gets a capped cgroup subtree (rootless/cgroups.py; --learner-memory, --learner-pids,
--learner-cpus) and the hub's spawner starts their server inside it, so their engine's --memory and
--pids-limit work and no learner can take more than their cap.
`stop` stops the hub, the learners' servers and engines; `remove` also deletes the accounts and subtrees.
teacher/classroom-on-one-server.md explains it, and what changes on JupyterHub on Kubernetes.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STATE = Path("/var/lib/minidocker-classroom")
PROXY_VERSION = "configurable-http-proxy@4"  # 4.x runs on Debian 12's node 18/20; 5.x wants node >= 22 for its deps


def learner_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(1, count + 1)]


def make_learner(name: str, caps: dict | None = None) -> str:
    """The account (made if missing) with a new password and its cgroup subtree (caps: delegate's); the password."""
    from .rootless import cgroups, subids

    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", "-K", "HOME_MODE=0700",
                        name], check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    if not subids.ranges(entry.pw_uid, subids.SUBUID) or not subids.ranges(entry.pw_uid, subids.SUBGID):
        print(f"run-classroom: {name} has no subordinate ids (/etc/subuid, /etc/subgid): their engine maps one uid",
              file=sys.stderr)
    password = secrets.token_urlsafe(9)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True, capture_output=True)
    _copy_course(entry)
    cgroups.delegate(name, **(caps or {}))
    return password


def _copy_course(entry: pwd.struct_passwd) -> None:
    """The chapters and the exercises, the learner's own copy (their edits never touch the teacher's)."""
    course = Path(entry.pw_dir) / "course"
    for part in ("notebooks", "exercises"):
        src, dest = REPO / part, course / part
        if src.is_dir() and not dest.exists():
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".build", "__pycache__", ".ipynb_checkpoints"))
    subprocess.run(["chown", "-R", f"{entry.pw_uid}:{entry.pw_gid}", str(course)], check=True)


def cgroup_note(caps: dict) -> str:
    """What learners' limits can do here."""
    from .rootless import cgroups

    shown = ", ".join(f"{k} {v}" for k, v in caps.items() if v) or "none"
    layout = "cgroup v2" if cgroups.needs_entering() else "cgroup v1 (hybrid host)"
    return (f"{layout}: each learner has a cgroup subtree of their own under /{cgroups.PARENT} (caps: {shown}); "
            f"their --memory, --pids-limit and --cpus work inside it")


def proxy_command(state: Path) -> str:
    """configurable-http-proxy: on PATH, else installed from npm under the class's state directory."""
    found = shutil.which("configurable-http-proxy")
    local = state / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if found:
        return found
    if not local.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(state / "proxy"), PROXY_VERSION],
                       check=True, capture_output=True)
    return str(local)


CONFIG = '''# Written by run-classroom (minidocker/classroom.py); rewritten at every start.
c.JupyterHub.bind_url = {url!r}
c.JupyterHub.db_url = {db!r}
c.JupyterHub.cookie_secret_file = {cookie!r}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}
from jupyterhub.spawner import LocalProcessSpawner
from minidocker.rootless import cgroups as _cgroups


class ClassroomSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose child, still root, first enters the learner's delegated cgroup subtree
    (cgroup v2 lets their engine move itself only within a subtree it owns)."""

    def make_preexec_fn(self, name):
        drop = super().make_preexec_fn(name)

        def preexec():
            try:
                _cgroups.enter(name, 0, check_owner=False)
            except Exception:
                pass  # no subtree: the learner's limits are refused with a message that says so
            drop()
        return preexec


c.JupyterHub.spawner_class = ClassroomSpawner
c.Authenticator.allowed_users = set({users!r})
c.PAMAuthenticator.open_sessions = False
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/course/notebooks"
c.Spawner.environment = {{"PATH": {path!r}}}
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180
'''


def write_config(state: Path, users: list[str], ip: str, port: int) -> Path:
    config = state / "jupyterhub_config.py"
    config.write_text(CONFIG.format(
        url=f"http://{ip}:{port}", db=f"sqlite:///{state / 'jupyterhub.sqlite'}", cookie=str(state / "cookie_secret"),
        proxy=proxy_command(state), proxy_pid=str(state / "proxy.pid"), users=users,
        singleuser=str(REPO / "scripts" / "classroom-singleuser"), path=f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"))
    return config


def start_hub(state: Path, config: Path, ip: str, port: int) -> int:
    """JupyterHub in the background (its own session, log under the state directory); its pid once it answers."""
    log = open(state / "jupyterhub.log", "ab")
    proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(config)], cwd=state, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env=dict(os.environ, PATH=f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"))
    log.close()
    (state / "jupyterhub.pid").write_text(f"{proc.pid}\n")  # its session holds the proxy too: stop kills both
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {proc.returncode}: see {state / 'jupyterhub.log'}")
        try:
            urllib.request.urlopen(f"http://{ip}:{port}/hub/api", timeout=2)
            return proc.pid
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"jupyterhub did not answer on {ip}:{port}: see {state / 'jupyterhub.log'}")


def _kill_pidfile(path: Path) -> None:
    try:
        pid = int(path.read_text().split()[0])
        group = os.getpgid(pid)
        os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.killpg(group, 0)
            time.sleep(0.1)
        os.killpg(group, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass
    path.unlink(missing_ok=True)


def stop(state: Path, users: list[str], remove: bool) -> None:
    """The hub and its proxy, then every learner's processes (servers, engines, containers); the accounts and
    their cgroup subtrees too."""
    from .rootless import cgroups

    _kill_pidfile(state / "jupyterhub.pid")
    _kill_pidfile(state / "proxy.pid")
    for name in users:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        kill_user(entry.pw_uid)
        if remove:
            cgroups.undelegate(name)
            subprocess.run(["userdel", "-r", "-f", name], capture_output=True)
            shutil.rmtree(f"/tmp/minidocker-{entry.pw_uid}", ignore_errors=True)


def kill_user(uid: int) -> None:
    """Every process of the user and every process in a user namespace one of them holds (their containers)."""
    from .course import kill_until_gone

    own = os.stat("/proc/self/ns/user").st_ino
    spaces: set[int] = set()

    def find() -> set[int]:
        victims = set()
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                ino = os.stat(f"/proc/{entry}/ns/user").st_ino
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    victims.add(int(entry))
                    if ino != own:
                        spaces.add(ino)
                elif ino in spaces:
                    victims.add(int(entry))
            except OSError:
                continue
        return victims

    kill_until_gone(find, rounds=20)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="run-classroom", description="a class on one server: learners, their rootless engines, JupyterHub")
    p.add_argument("action", nargs="?", default="start", choices=("start", "stop", "remove"))
    p.add_argument("--learners", type=int, default=3, help="how many learner accounts (1-60)")
    p.add_argument("--prefix", default="learner", help="account names: PREFIX01, PREFIX02, ...")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--state", type=Path, default=STATE, help="the hub's configuration, database and logs")
    from .client.commands.rootless import cap_args, caps

    cap_args(p, "learner-")
    a = p.parse_args(argv)
    if os.geteuid() != 0:
        print("run-classroom: needs root to make accounts (sudo ./run-classroom --learners N)", file=sys.stderr)
        return 1
    if not 1 <= a.learners <= 60 or not a.prefix.isalnum() or not a.prefix[0].isalpha():
        print("run-classroom: --learners from 1 to 60, --prefix letters and digits starting with a letter", file=sys.stderr)
        return 2
    users = learner_names(a.prefix, a.learners)
    try:
        learner_caps = caps(a.learner_memory, a.learner_pids, a.learner_cpus)
    except ValueError as e:
        print(f"run-classroom: --learner-memory: {e}", file=sys.stderr)
        return 2
    if a.action != "start":
        stop(a.state, users, remove=a.action == "remove")
        print(f"run-classroom: hub stopped, {len(users)} learners' processes ended" + (", accounts removed" if a.action == "remove" else ""))
        return 0
    a.state.mkdir(parents=True, exist_ok=True)
    os.chmod(a.state, 0o700)
    began = time.monotonic()
    accounts = [(name, make_learner(name, learner_caps)) for name in users]
    _kill_pidfile(a.state / "jupyterhub.pid")
    pid = start_hub(a.state, write_config(a.state, users, a.ip, a.port), a.ip, a.port)
    print(f"JupyterHub on http://{a.ip}:{a.port}/ (pid {pid}, log {a.state / 'jupyterhub.log'}), ready in {time.monotonic() - began:.1f}s")
    print(cgroup_note({"memory": a.learner_memory, "pids": a.learner_pids, "cpus": a.learner_cpus}))
    print("learner     password")
    for name, password in accounts:
        print(f"{name:<11} {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
