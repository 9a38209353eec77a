# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Containers versus virtual machines
#
# *Source §1.4 (容器与虚拟机的区别) and §1.5 (Windows系统虚拟化).*
#
# ## Motivation
#
# A Docker container looks like a small computer of its own, "a host virtualised by container technology"
# (通过容器虚拟技术虚拟出的一台主机): you can deploy an application and its environment in it, as in a
# virtual machine (虚拟机). But the two are different in kind. This chapter shows the difference live:
# a container is **a process on the host, sharing the host's kernel**; a virtual machine **boots a kernel
# of its own** on a **hypervisor**.

# %%
import platform
from minidocker import teach
from minidocker.observe import direct, draw, host, nsdiff, procs, stack, timing, tree, vm, widgets

teach.require_root()
eng = teach.engine()
eng("rm", "-f", "ch03-box", check=False)
print(eng("run", "-d", "--name", "ch03-box", "busybox", "sleep", "3600"))
pid = teach.container_pids(eng, ["ch03-box"])["ch03-box"]

# %% [markdown] anchor="s1.4.1"
# ## 1. A program is instructions for the hardware; a container is a host process (普通系统中的程序运行原理)
#
# A program is a sequence of instructions that uses the computer's hardware (程序是一个对计算机硬件资源调度
# 使用的指令序列); the kernel schedules it as a process. The container we just started is such a process:
# the host's own `/proc` lists it. It has a PID on the host and, in its own PID namespace, it is PID 1.

# %%
p = procs.read(pid)
print(f"on the host: PID {p.pid}, name {p.name!r}, parent {procs.read(p.ppid).name!r}")
print(f"NSpid lists {len(p.nspid)} PIDs: the host's, then inside the container: PID {p.inner_pid}")
print("the container's first process, 'init', inside it:", p.inner_pid == 1)

# %% [markdown]
# What makes it feel like a separate machine is **namespaces**: the kernel gives the process its own view
# of mount points, PIDs, network, IPC and host name. Compare its namespaces with this notebook's
# (each namespace is a kernel object with an inode number):

# %%
teach.table(["namespace", "host (this notebook)", "container", "shared?"], nsdiff.compare(pid))

# %%
teach.show_diagram(nsdiff.graph(pid))

# %% [markdown]
# And limits come from **cgroups**. Explore: pick a container to see its namespaces, its cgroups and the
# process tree around it.

# %% tags=["nbval-ignore-output"]
widgets.process_explorer(eng.root)

# %% [markdown] anchor="s1.4"
# ## 2. One kernel, shared
#
# There is no kernel inside a container. `uname -r` prints the release of the kernel that runs the
# process: in a container, that is the host's.

# %%
in_container = eng("run", "--rm", "busybox", "uname", "-r").strip()
print("host:     ", platform.release(), "\ncontainer:", in_container, "\nsame kernel:", in_container == platform.release())

# %% [markdown] anchor="s1.4.2"
# ## 3. A real virtual machine: a hypervisor boots its own kernel (传统虚拟技术 Hypervisor)
#
# A **hypervisor**, also called a **VMM** (virtual machine monitor), is the software layer between the
# physical machine and operating systems that lets several operating systems share one set of hardware
# (运行在基础物理服务器和操作系统之间的中间软件层). Here qemu plays that part: it boots a real Linux kernel
# (the Debian cloud kernel from `/boot`) with a tiny initramfs whose `/init` prints `uname -r` and powers off.
# qemu emulates the CPU in software (TCG) here, so read the time as an upper bound: with hardware
# virtualisation (KVM) the same boot is faster, still a kernel boot.

# %%
reason = vm.available()
print("qemu can boot a VM here" if reason is None else f"skipped: {reason}")
boots = [] if reason else [vm.boot(timeout=60) for _ in range(2)]
if boots:
    print("VM kernel:", boots[0].release, "\nhost kernel:", platform.release(),
          "\nthe VM runs its own kernel:", boots[0].release != platform.release())

# %%
teach.show_source(vm.initramfs)

# %% [markdown]
# Now time both: a container start (the whole `run --rm`) against a VM boot to power-off.

# %%
containers = timing.times(lambda: eng("run", "--rm", "busybox", "true"), 5)
series = {"container\n(minidocker run --rm)": containers}
if boots:
    series["virtual machine\n(qemu: boot, init, power off)"] = [b.seconds for b in boots]
print(f"container: median {timing.median(containers) * 1000:.0f} ms",
      *(f"\nVM: median {timing.median(series[k]) * 1000:.0f} ms" for k in series if k.startswith("virtual")))

# %%
timing.plot(series, title="start-up: container vs virtual machine", log=True)

# %% [markdown]
# The two stacks, labelled with the kernel releases just measured:

# %%
teach.show_diagram(stack.stack_graph(platform.release(), in_container, boots[0].release if boots else None))


# %% [markdown]
# ## 4. Limits without a VM: cgroups and the OOM killer
#
# A VM gets a fixed amount of memory at boot. A container gets a **limit** from a cgroup: the kernel
# counts its memory and, past the limit, the OOM killer ends it. Drag the slider: each move runs a
# container that wants 64 MiB under the limit you chose.

# %%
def hog(limit_bytes, mb):
    return eng.status("run", "--rm", "--memory", str(limit_bytes), "busybox", *widgets.hog_command(mb))
print("32 MiB limit:", hog(32 * 2**20, 64)[0], "| 128 MiB limit:", hog(128 * 2**20, 64)[0])

# %% tags=["nbval-ignore-output"]
widgets.memory_slider(hog)

# %% [markdown] anchor="s1.5"
# ## 5. Windows and Hyper-V (Windows系统虚拟化)
#
# On current Windows with virtualisation features on, Windows itself runs as a virtual machine (the *root
# partition*) on **Hyper-V**, a hypervisor that sits directly on the hardware; applications and other
# VMs run beside it on the same hypervisor. Docker Desktop on Windows (and macOS) runs Linux containers
# inside a small Linux VM (WSL 2 or a LinuxKit VM), because containers share a kernel and Linux
# containers need a Linux kernel.
#
# Is *this* machine a virtual machine? The CPU tells (its `hypervisor` flag):

# %%
print(host.hypervisor() or "no hypervisor: this is bare metal")

# %% [markdown]
# So here, as on Windows, the stack is layered: our containers share a Linux kernel that itself may run on
# a hypervisor; the qemu VM above is a VM inside it.
#
# ## 6. Our version
#
# How we tell a container process from the others: `/proc/<pid>/status` gives `NSpid` (the PID in every
# nested PID namespace), `/proc/<pid>/ns/*` the namespace inodes.

# %%
teach.show_source(procs.read)

# %%
print(eng("rm", "-f", "ch03-box"))

# %% [markdown]
# ## Recap
#
# - A container is a host process: the host's `/proc` shows it, with a second PID inside its namespace.
# - Namespaces give it its own view; cgroups limit what it may use; the kernel is the host's.
# - A VM boots its own kernel on a hypervisor (VMM): measured here, a different kernel release and
#   seconds to boot against milliseconds to start a container.
# - Windows runs on Hyper-V; Linux containers there live in a Linux VM.
#
# ## Questions
#
# 1. Which namespaces did the container *not* get its own of, and what could go wrong because of that?
# 2. Why does `uname -r` inside a container not show the image's kernel? Does a `busybox` image have one?
# 3. Where would you put a program that needs a different kernel version: a container or a VM?
