#!/usr/bin/env bash
# Serve the notebooks with JupyterLab in the background (loopback only) and print the URL.
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
first="notebooks/00-start-here.ipynb"
url_path="lab/tree/$first"
[ -e "$first" ] || url_path="lab/tree/notebooks"

if [ -s "$token_file" ] && curl -fsS -o /dev/null "http://$ip:$port/api/status?token=$(cat "$token_file")" 2>/dev/null; then
  echo "The course is already being served: http://$ip:$port/$url_path?token=$(cat "$token_file")"
  exit 0
fi
token="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')"
echo "$token" > "$token_file"
chmod 600 "$token_file"
nohup .venv/bin/jupyter lab --allow-root --no-browser --ip "$ip" --port "$port" \
  --ServerApp.token="$token" --ServerApp.root_dir="$repo" --ContentsManager.allow_hidden=True >"$log" 2>&1 &
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://$ip:$port/api/status?token=$token" 2>/dev/null; then
    echo "The course is open: http://$ip:$port/$url_path?token=$token"
    echo "(JupyterLab runs in the background, log: $log; stop it with: pkill -f 'jupyter-lab.*--port $port')"
    exit 0
  fi
  sleep 0.5
done
echo "minidocker: JupyterLab did not come up on $ip:$port; see $log" >&2
exit 1
