#!/usr/bin/env bash
# Serve the notebooks with JupyterLab in the background (loopback only) and print the URL.
# Learners see notebooks/ and exercises/ alone, without nbgrader; `scripts/jupyter.sh --teacher` (or
# `./run-course --teacher`) serves the whole repository with nbgrader (scripts/jupyter/jupyter_server_config.py).
# `scripts/jupyter.sh stop` stops it (the process whose pid it wrote, and only that one).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
port="${MINIDOCKER_COURSE_PORT:-8888}"
ip="${MINIDOCKER_COURSE_IP:-127.0.0.1}"
logdir="${MINIDOCKER_ROOT:-/var/lib/minidocker}"
[ -n "${MINIDOCKER_ROOT:-}" ] && logdir="$MINIDOCKER_ROOT/lib"
mkdir -p "$logdir"
log="$logdir/jupyterlab.log"
token_file="$logdir/jupyterlab.token"
pid_file="$logdir/jupyterlab.pid"
first="notebooks/00-start-here.ipynb"
url_path="lab/tree/$first"
[ -e "$first" ] || url_path="lab/tree/notebooks"

ours() {  # the pid in the pid file is a JupyterLab of this repo (pids get reused)
  local pid
  pid="$(cat "$pid_file" 2>/dev/null)" || return 1
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "jupyter.*lab.*--ServerApp.root_dir=$repo" && echo "$pid"
}

mode=learner
case "${1:-}" in
  stop|"") ;;
  --teacher) mode=teacher ;;
  *) echo "usage: scripts/jupyter.sh [--teacher | stop]" >&2; exit 2 ;;
esac

if [ "${1:-}" = stop ]; then
  if pid="$(ours)"; then
    kill "$pid" && echo "JupyterLab (pid $pid) stopped"
  else
    echo "JupyterLab is not running (no live pid in $pid_file)"
  fi
  rm -f "$pid_file"
  exit 0
fi

mode_file="$logdir/jupyterlab.mode"
if [ -s "$token_file" ] && curl -fsS -o /dev/null "http://$ip:$port/api/status?token=$(cat "$token_file")" 2>/dev/null; then
  echo "The course is already being served ($(cat "$mode_file" 2>/dev/null || echo learner) view): http://$ip:$port/$url_path?token=$(cat "$token_file")"
  [ "$(cat "$mode_file" 2>/dev/null || echo learner)" = "$mode" ] || echo "(for the $mode view: scripts/jupyter.sh stop, then start it again)"
  exit 0
fi
token="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')"
echo "$token" > "$token_file"
chmod 600 "$token_file"
# The chapters' saved outputs hold SVG diagrams, which JupyterLab draws only for trusted notebooks: these
# are the course's own, so sign them for this user (as `jupyter trust` does after a review).
.venv/bin/jupyter trust notebooks/*.ipynb exercises/*/*.ipynb >/dev/null 2>&1 || true
# Kernels and terminals inherit this PATH: `!minidocker ps` in a cell and `minidocker` in a terminal work.
export PATH="$repo/.venv/bin:$PATH"
export MINIDOCKER_COURSE_MODE="$mode"
# The learner's JupyterLab leaves nbgrader's extension out (learner/labconfig/page_config.json).
[ "$mode" = learner ] && export JUPYTER_CONFIG_PATH="$repo/scripts/jupyter/learner${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
echo "$mode" > "$mode_file"
nohup .venv/bin/jupyter lab --allow-root --no-browser --ip "$ip" --port "$port" \
  --config="$repo/scripts/jupyter/jupyter_server_config.py" \
  --ServerApp.token="$token" --ServerApp.root_dir="$repo" >"$log" 2>&1 &
echo $! > "$pid_file"
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://$ip:$port/api/status?token=$token" 2>/dev/null; then
    echo "The course is open ($mode view): http://$ip:$port/$url_path?token=$token"
    echo "(JupyterLab runs in the background, log: $log; stop it with: scripts/jupyter.sh stop)"
    exit 0
  fi
  sleep 0.5
done
echo "minidocker: JupyterLab did not come up on $ip:$port; see $log" >&2
exit 1
