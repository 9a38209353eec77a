#!/usr/bin/env bash
# The cgroup v2 proof (DESIGN.md §6): boot Debian's standard kernel under qemu (TCG; KVM hangs on these
# machines) with cgroup2 alone mounted at /sys/fs/cgroup and the memory, pids and cpu controllers enabled,
# this machine's root shared read-only (9p) under a tmpfs overlay, and run in it: minirunc with memory and
# pids limits and an OOM kill, the whole chain `minidocker run --memory --pids-limit`, chapter 06's cells,
# and a rootless engine limiting its containers through a delegated subtree (rootless/cgroups.py).
#
#   sudo scripts/test-cgroup2-vm.sh [CHECK...]     (checks: cgroup2-alone minirunc minidocker-run chapter-06 rootless)
#
# The console goes to the terminal (and to $MINIDOCKER_VM_LOG, default /tmp/minidocker-cgroup2-vm.log); the
# last line is the summary. Exit status 0 only when every check held; 2 when the VM cannot be booted here.
# Takes 3-7 minutes (TCG emulates every instruction); at most MINIDOCKER_VM_TIMEOUT seconds (600).
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log="${MINIDOCKER_VM_LOG:-/tmp/minidocker-cgroup2-vm.log}"
if [ "$(id -u)" != 0 ]; then
  echo "cgroup2-vm: run this as root" >&2
  exit 2
fi
start=$(date +%s)
"$repo/.venv/bin/python" "$repo/scripts/cgroup2_vm.py" --timeout "${MINIDOCKER_VM_TIMEOUT:-600}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
took=$(( $(date +%s) - start ))
summary="$(grep -a '^cgroup2-vm checks:' "$log" | tail -1 | tr -d '\r')"
echo "${summary:-cgroup2-vm checks: no result from the guest (see $log)} [${took}s, exit $status]"
exit "$status"
