#!/bin/sh
# Guest side of scripts/test-cgroup2-vm.sh, run as PID 1 after switch_root into the host's root (9p, read-only,
# under a tmpfs overlay): mount cgroup2 alone, enable the memory, pids and cpu controllers, run the checks,
# print CGROUP2-VM-EXIT=<status> for the host and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
repo="${minidocker_repo:?the host passes minidocker_repo= on the kernel command line}"
unset minidocker_repo
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
for d in /tmp /run /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs "$d"; done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control
ip link set lo up
hostname cgroup2-vm
echo "guest: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
cd "$repo" && "$repo/.venv/bin/python" scripts/cgroup2_vm_checks.py $(echo "${minidocker_checks:-}" | tr , " ")
echo "CGROUP2-VM-EXIT=$?"
echo o > /proc/sysrq-trigger
sleep 600
