"""Take down a chapter's private engine completely: its containers, daemons, bridge and iptables chains, cgroups
(cf. moby daemon/daemon.go Shutdown and libnetwork's cleanup; the engine itself leaves its bridge in place
between restarts, as Docker leaves docker0).

Its state directory (images, volumes) stays, so the next run of the chapter starts quickly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from minidocker import paths

def _with_root(root: Path, action):
    saved = os.environ.get(paths.ENV_ROOT)
    os.environ[paths.ENV_ROOT] = str(root)
    try:
        return action()
    finally:
        if saved is None:
            os.environ.pop(paths.ENV_ROOT, None)
        else:
            os.environ[paths.ENV_ROOT] = saved


def instance_of(root: str | Path) -> str:
    """The engine instance name for root (its cgroup parent and the suffix of its bridge)."""
    return _with_root(Path(root), paths.instance_name)


def remove_cgroups(instance: str) -> None:
    """rmdir the instance's (empty) cgroups in the v2 tree and every v1 hierarchy, deepest first."""
    from minidocker import course

    course.remove_cgroups(instance)


def remove(eng) -> list[str]:
    """Remove every container of eng, stop its daemons, remove its network and cgroups; what was done, in words."""
    done = []
    ids = eng("ps", "-aq", check=False).split()
    if ids:
        eng("rm", "-f", *ids, check=False)
        done.append(f"{len(ids)} container(s) removed")
    eng("daemon", "stop", check=False)
    done.append("daemons stopped")
    root = Path(eng.root)
    if paths.rootless():  # its bridge and chains lived in the engine's own network namespace, gone with it
        done.append("bridge and iptables chains gone with the engine's network namespace (rootless)")
        return done

    # In a child process: the network code runs its own event loop, which a notebook's kernel already has.
    code = ("import sys; from pathlib import Path; from minidocker.dockerd.networks import NetworkManager; "
            "NetworkManager(Path(sys.argv[1])).cleanup_instance()")
    subprocess.run([sys.executable, "-c", code, str(root / "lib" / "network")], check=True, capture_output=True,
                   env=eng.env(), timeout=60)
    done.append("bridge and iptables chains removed")
    remove_cgroups(instance_of(root))
    done.append("cgroups removed")
    return done
