#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian 12 machine, as root: apt packages, .venv, the base image.
# Quick when everything is already there (a stamp per step).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ "$(id -u)" != 0 ]; then
  echo "minidocker: run this as root (the course is meant for a disposable Linux machine or VM)" >&2
  exit 1
fi

# 1. Debian packages: only the missing ones, and never start their services (no systemd here,
#    and a running dockerd would add its own bridge and iptables rules).
mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | sed '/^\s*$/d')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "minidocker: installing ${missing[*]}"
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created_policy" = 1 ] && rm -f "$policy"
fi

# 2. The virtual environment with the package (editable) and its extras, redone when pyproject.toml changes.
stamp=.venv/.minidocker-stamp
want_stamp="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
  echo "minidocker: preparing .venv"
  [ -x .venv/bin/python ] || /usr/bin/python3 -m venv .venv
  # pip and setuptools print pages of warnings while building the editable install: keep them in a log,
  # show its end only if the install fails.
  pip_log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e ".[course,dev]"; } >"$pip_log" 2>&1; then
    tail -n 40 "$pip_log" >&2
    echo "minidocker: installing the Python packages failed (whole log: $pip_log)" >&2
    exit 1
  fi
  echo "$want_stamp" > "$stamp"
fi

# The runtime and the shim start on every `run` and need only the standard library: their launchers
# run the interpreter with -I -S (no site.py, no import hooks of the editable install), ~10 ms less
# per start than pip's console scripts (bench/runc_run.py measures both).
for tool in minirunc:minidocker.runc.cli minidocker-shim:minidocker.shim.main; do
  name="${tool%%:*}" module="${tool#*:}"
  printf '#!%s -IS\n# %s, started without site.py (scripts/setup.sh writes this launcher)\nimport sys\nsys.path.insert(0, %s)\nfrom %s import main\nsys.exit(main())\n' \
    "$repo/.venv/bin/python" "$name" "'$repo'" "$module" > ".venv/bin/$name.tmp"
  chmod +x ".venv/bin/$name.tmp" && mv ".venv/bin/$name.tmp" ".venv/bin/$name"
done
# The client too (every `minidocker` command, ~25 ms less each: bench/run_chain_docker.py): its one
# third-party import (tqdm, pull's progress bars) is found by appending site-packages, with no .pth hooks.
purelib="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
printf '#!%s -IS\n# minidocker, started without site.py (scripts/setup.sh writes this launcher)\nimport sys\nsys.path.insert(0, %s)\nsys.path.append(%s)\nfrom minidocker.client.cli import main\nsys.exit(main())\n' \
  "$repo/.venv/bin/python" "'$repo'" "'$purelib'" > .venv/bin/minidocker.tmp
chmod +x .venv/bin/minidocker.tmp && mv .venv/bin/minidocker.tmp .venv/bin/minidocker
# Bytecode for the package now: a learner's commands (or the first one after a pull) would otherwise compile
# what they import, or, not allowed to write __pycache__, compile it again on every command.
.venv/bin/python -m compileall -q minidocker >/dev/null

# Notebook kernels find the course's commands (`!minidocker ps` in a cell) however JupyterLab or nbval was
# started: the venv's kernel spec puts .venv/bin first on their PATH (jupyter_client fills in ${PATH}).
.venv/bin/python - "$repo" <<'PY'
import json, sys
from pathlib import Path
spec = Path(sys.prefix, "share/jupyter/kernels/python3/kernel.json")
if spec.exists():
    doc = json.loads(spec.read_text())
    want = {**doc.get("env", {}), "PATH": f"{sys.argv[1]}/.venv/bin:${{PATH}}"}
    if doc.get("env") != want:
        doc["env"] = want
        spec.write_text(json.dumps(doc, indent=1) + "\n")
PY

# 3. The offline base image busybox:latest.
.venv/bin/python -m minidocker.baseimage --ensure
