"""What an ordinary host user reaches of an engine's root: run as that user, standard library only.

`python3 -I local_user_probe.py ROOT SECRET` walks ROOT as far as the permissions let it, reads every
file it can open looking for SECRET, and executes every setuid-root program it can reach, printing
one JSON object: {"secret_in": [paths], "setuid_runs": {path: output}, "denied": n}.
"""

import json
import os
import stat
import subprocess
import sys


def main(root: str, secret: str) -> dict:
    found: list[str] = []
    runs: dict[str, str] = {}
    denied = [0]
    for dirpath, _dirs, files in os.walk(root, onerror=lambda err: denied.__setitem__(0, denied[0] + 1)):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
                if not stat.S_ISREG(st.st_mode):
                    continue
                if st.st_mode & stat.S_ISUID and st.st_uid == 0 and os.access(path, os.X_OK):
                    out = subprocess.run([path], capture_output=True, text=True, timeout=10)
                    runs[path] = (out.stdout + out.stderr).strip()
                if st.st_size < (1 << 20):
                    with open(path, "rb") as f:
                        if secret.encode() in f.read():
                            found.append(path)
            except (OSError, subprocess.SubprocessError):
                continue
    return {"secret_in": found, "setuid_runs": runs, "denied": denied[0]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
