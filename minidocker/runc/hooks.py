"""OCI hooks run by the runtime in its own namespaces, the container's state JSON on their stdin
(cf. runtime-spec config.md "POSIX-platform Hooks", runc libcontainer/configs/config.go Hook.Run)."""

from __future__ import annotations

import json

from ..errors import RuntimeFailure
from ..oci.runtime import Hook


def from_raw(items: list[dict]) -> list[Hook]:
    return [Hook(h, "hooks") for h in items]


def run(hooks: list[Hook], state: dict) -> None:
    """Run each hook in order; a failure or a timeout stops the lifecycle step with the hook named."""
    if not hooks:
        return
    import subprocess

    payload = json.dumps(state).encode()
    for hook in hooks:
        env = dict(item.partition("=")[::2] for item in hook.env)
        try:
            done = subprocess.run(hook.args, executable=hook.path, input=payload, env=env, capture_output=True,
                                  timeout=hook.timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeFailure(f"hook {hook.path} timed out after {hook.timeout}s") from None
        except OSError as e:
            raise RuntimeFailure(f"hook {hook.path}: {e.strerror}") from None
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeFailure(f"hook {hook.path} exited with {done.returncode}" + (f": {detail[-1]}" if detail else ""))
