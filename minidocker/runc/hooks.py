"""OCI hooks: programs run at points of the lifecycle with the container's state JSON on their stdin
(cf. runtime-spec config.md "POSIX-platform Hooks" and runtime.md "Lifecycle"; runc libcontainer/configs/config.go).

Where each kind runs and with which status in its state (runtime-spec 1.0.2, the version minirunc reports):
prestart, createRuntime  - the runtime's namespaces, during create, before pivot_root: "created"
createContainer          - the container's namespaces (forked by its init), before pivot_root: "created"
startContainer           - inside the container (its init, after `start` released it), before execve: "created"
poststart                - the runtime's namespaces, before `start` returns: "running"
poststop                 - the runtime's namespaces, after the container is deleted: "stopped"
The status follows state.md ("created": the create operation has finished its step 2 and the user's
program has not run yet), as crun passes it; runc 1.1 passes "creating" to the first three.
A failing prestart/createRuntime/createContainer/startContainer hook fails the operation and stops the
container; a failing poststart or poststop hook is a warning and the rest goes on (runtime.md steps 9, 13).
"""

from __future__ import annotations


from .. import jsonfast
from ..errors import RuntimeFailure
from ..oci.runtime import Hook


def from_raw(items: list[dict]) -> list[Hook]:
    return [Hook(h, "hooks") for h in items]


def as_raw(items: list[Hook]) -> list[dict]:
    return [{"path": h.path, "args": h.args, "env": h.env, "timeout": h.timeout} for h in items]


def run(hooks: list[Hook], state: dict, kind: str, warn=None) -> None:
    """Run each hook in order. Without `warn` the first failure or timeout raises, naming the hook;
    with it each failure is warned about and the next hook still runs."""
    if not hooks:
        return
    payload = jsonfast.dumps(state).encode()
    for hook in hooks:
        try:
            _run_one(hook, payload, kind)
        except RuntimeFailure as e:
            if warn is None:
                raise
            warn(str(e))


def _run_one(hook: Hook, payload: bytes, kind: str) -> None:
    import subprocess

    env = dict(item.partition("=")[::2] for item in hook.env)
    try:
        done = subprocess.run(hook.args, executable=hook.path, input=payload, env=env, capture_output=True,
                              timeout=hook.timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeFailure(f"{kind} hook {hook.path} timed out after {hook.timeout}s") from None
    except OSError as e:
        raise RuntimeFailure(f"{kind} hook {hook.path}: {e.strerror}") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeFailure(f"{kind} hook {hook.path} exited with {done.returncode}" + (f": {detail[-1]}" if detail else ""))
