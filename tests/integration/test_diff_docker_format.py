"""--format templates: the same real-world format strings through the real docker CLI and ours, on one minidockerd; outputs must be identical.

The strings come from Docker's documentation (inspect, ps, images, network inspect, volume ls, version,
info pages) and from the idioms learners copy from Stack Overflow.
"""

from __future__ import annotations

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root

CONTAINER = [
    "{{.Name}} {{.State.Status}}",
    "{{.State.Pid}}",
    "{{.State.Running}}/{{.State.Paused}}/{{.State.ExitCode}}",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    "{{range $name, $net := .NetworkSettings.Networks}}{{$name}}={{$net.IPAddress}} {{end}}",
    '{{(index .NetworkSettings.Networks "fmtnet").IPAddress}}',
    '{{with index .NetworkSettings.Networks "fmtnet"}}{{.IPAddress}}/{{.IPPrefixLen}}{{end}}',
    "{{json .Config.Labels}}",
    "{{json .Config.Cmd}}",
    "{{json .State.Status}}",
    "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}",
    '{{if eq .State.Status "running"}}up{{else}}down{{end}}',
    '{{if eq .State.Status "exited" "dead"}}stopped{{else if .State.Running}}running{{else}}other{{end}}',
    '{{printf "%-20s %s" .Name .State.Status}}|',
    '{{printf "%q %v %d %t" .Name .Config.Cmd .State.ExitCode .State.Running}}',
    "{{index .Config.Cmd 0}}",
    '{{join .Config.Cmd " "}}',
    "{{upper .Name}} {{lower .Config.Image}} {{title .State.Status}}",
    "{{len .Mounts}} {{len .Config.Env}} {{len .Name}}",
    "{{range .Mounts}}{{.Type}}:{{.Name}}->{{.Destination}} {{.RW}}{{end}}",
    "{{with .State.Health}}{{.Status}}{{else}}none{{end}}",
    "{{truncate .Id 12}} {{pad .Config.Image 2 3}}|",
    '{{split .Config.Image ":"}} {{index (split .Config.Image ":") 0}}',
    '{{index .Config.Labels "course.role"}}|{{index .Config.Labels "missing"}}|',
    "{{.Config.Labels}}",
    "{{.Config.Cmd}}",
    "{{.Config.Env}}",
    "{{.HostConfig.NetworkMode}} {{.HostConfig.RestartPolicy.Name}}",
    "{{- range .Config.Env }}\n  {{ . -}}\n{{ end }}",
    "{{/* a comment */}}{{.Name}}",
    "{{$n := .Name}}{{range .Config.Cmd}}{{$n}}:{{.}} {{end}}",
    "{{range $i, $c := .Config.Cmd}}{{if $i}},{{end}}{{$c}}{{end}}",
    "{{.Name | printf \"%s!\"}} {{.Name | len}}",
    "{{and .State.Running .Name}} {{or .State.Paused \"no\"}} {{not .State.Running}}",
    "{{lt .State.ExitCode 1}} {{ge .State.ExitCode 0}} {{ne .State.Status \"x\"}}",
    "{{slice .Id 0 5}} {{html \"<b>&\"}} {{js \"it's\"}} {{urlquery \"a b/c\"}}",
    "{{print .State.Pid .State.Running \"x\" 1}}|{{println .Name}}",
    "{{.Name}}\\t{{.Config.Image}}\\n",
    "{{range .Config.Cmd}}{{if eq . \"-c\"}}{{break}}{{end}}[{{.}}]{{end}}",
    "{{range .Config.Cmd}}{{if eq . \"-c\"}}{{continue}}{{end}}[{{.}}]{{end}}",
    "{{.Missing}}",
    "{{json .Config.Env}}",
    "{{range .Config.NoSuch}}x{{else}}empty{{end}}",
    "{{with $x := .State.Status}}{{$x}}{{end}}",
    "{{$x := 1}}{{if .State.Running}}{{$x = 2}}{{end}}{{$x}}",
    '{{printf "%5d|%-5d|%05d|%x|%X|%o" 42 42 42 255 255 8}}',
    '{{printf "%.2f %6.1f %e %g %v" 3.14159 2.5 1234.5 0.000012 1.5}}',
    '{{printf "%s" .Config.Cmd}} {{printf "%d" .Name}} {{printf "%s"}} {{printf "%s" 1 2}}',
    "{{1}} {{1.5}} {{1e6}} {{0x1F}} {{'a'}} {{true}} {{\"q\"}} {{`raw`}}",
    "{{json .Mounts}}",
    "{{.Config.Entrypoint}}", "{{.HostConfig.Links}}", "{{.Config.Volumes}}", "{{.Config.Healthcheck}}",
    "{{.State.Health}}", "{{.HostConfig.Binds}}", "{{.HostConfig.Dns}}", "{{.NetworkSettings.Ports}}",
    "{{.Config.ExposedPorts}}", "{{.HostConfig.PortBindings}}", "{{.Config.OnBuild}}", "{{.HostConfig.CapAdd}}",
    "{{.HostConfig.LogConfig.Config}}",
    "{{.ID}}", "{{.Id}}",
    "{{if .State.Health}}health{{else}}no health{{end}} {{with .Config.Healthcheck}}hc{{end}}",
    "{{range $k, $v := .Config.ExposedPorts}}{{$k}}{{end}}",
]
BAD = [
    "{{.Name", "{{end}}", "{{range .Config.Cmd}}", "{{nosuchfunc .Name}}", "{{else}}", "{{$undefined}}",
    "{{.State.Health.Status}}", "{{.Node}}", "{{index .Config.Cmd 9}}", "{{range .Name}}{{end}}", "{{upper 1}}",
]
PS = [
    "{{.Names}}", "{{.ID}}: {{.Image}} {{.Command}}", "table {{.ID}}\\t{{.Names}}", "table {{.Names}}\\t{{.Image}}\\t{{.State}}",
    "{{.Names}}\\t{{.State}}", "{{upper .Names}}", "{{json .Names}}", "{{.Label \"course.role\"}}", "{{.Labels}}",
    "table {{upper .Names}}\\t{{json .State}}\\t{{truncate .Image 3}}", "{{if eq .State \"running\"}}{{.Names}}{{end}}",
    "{{printf \"%-12s|\" .Names}}", "{{split .Image \":\"}}", "{{.Mounts}} {{.Networks}}", "{{pad .Names 1 1}}|",
    "table {{.Names}}\\t{{.Label \"course.role\"}}", "table {{.Nope}}", "{{.Names", "{{.Names}} {{.Nope}}",
]
IMAGES = [
    "{{.Repository}}:{{.Tag}}", "table {{.Repository}}\\t{{.Tag}}", "{{.Repository}} {{len .ID}}", "{{json .Repository}}",
    "{{if eq .Tag \"latest\"}}{{.Repository}}{{end}}", "table {{.Repository}}\\t{{.Tag}}\\t{{upper .Repository}}",
]
NETWORK = [
    "{{.Name}} {{.Driver}} {{.Scope}}", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}",
    "{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}}{{end}}", "{{json .Options}}", "{{.Internal}} {{.Attachable}}",
    "{{len .Containers}}", "{{json .IPAM.Config}}", "{{.ID}}", "{{.Nope}}",
]
VOLUME = [
    "{{.Name}}", "{{.Name}} {{.Driver}}", "table {{.Name}}\\t{{.Driver}}", "{{.Labels}}", "{{.Label \"course\"}}",
    "{{json .Name}}", "{{.Mountpoint}}", "{{.Scope}}",
]
VERSION = [
    "{{.Server.APIVersion}}", "{{.Client.Os}}/{{.Client.Arch}}", "{{.Server.Os}}/{{.Server.Arch}}", "{{json .Server.APIVersion}}",
    "{{range .Server.Components}}{{.Name}} {{end}}", "{{with .Server}}{{.Os}}{{end}}", "{{.Server.Version}}\\t{{.Server.Os}}",
]
INFO = [
    "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}}", "{{.Driver}}", "{{.OSType}}/{{.Architecture}}",
    "{{json .Images}}", "{{.NCPU}}", "{{if .MemoryLimit}}mem{{end}}", "{{.CgroupDriver}}", "{{len .Plugins.Volume}}",
    "{{json .Plugins.Volume}}", "{{.Name | len | printf \"%d\"}}", "{{.Name}}\\t{{.Driver}}",
]


@pytest.fixture(scope="module")
def objects(engine):
    engine.docker("network", "create", "fmtnet", check=True)
    engine.docker("volume", "create", "--label", "course=fmt", "fmtvol", check=True)
    engine.docker("run", "-d", "--name", "fmtweb", "--network", "fmtnet", "--label", "course.role=web", "--label", "b=2",
                  "-e", "A=1", "-v", "fmtvol:/data", "busybox", "sh", "-c", "sleep 300", check=True)
    engine.docker("run", "--name", "fmtdone", "busybox", "sh", "-c", "exit 3")
    yield engine
    engine.docker("rm", "-f", "fmtweb", "fmtdone")
    engine.docker("network", "rm", "fmtnet")
    engine.docker("volume", "rm", "fmtvol")


def _same(engine, *args: str) -> None:
    real = engine.docker(*args)
    ours = engine.cli(*args)
    assert (ours.returncode, ours.stdout) == (real.returncode, real.stdout), \
        f"{args}\ndocker: {real.returncode} {real.stdout!r} {real.stderr!r}\nours:   {ours.returncode} {ours.stdout!r} {ours.stderr!r}"
    if real.returncode:
        assert ours.stderr.strip().splitlines()[-1:] == real.stderr.strip().splitlines()[-1:]


@pytest.mark.parametrize("fmt", CONTAINER)
def test_inspect_container(objects, fmt):
    _same(objects, "inspect", "--format", fmt, "fmtweb", "fmtdone")


@pytest.mark.parametrize("fmt", BAD)
def test_inspect_bad_template(objects, fmt):
    _same(objects, "inspect", "--format", fmt, "fmtweb")


@pytest.mark.parametrize("fmt", PS)
def test_ps(objects, fmt):
    _same(objects, "ps", "-a", "--filter", "name=fmt", "--format", fmt)


@pytest.mark.parametrize("fmt", IMAGES)
def test_images(objects, fmt):
    _same(objects, "images", "--format", fmt, "busybox")


@pytest.mark.parametrize("fmt", NETWORK)
def test_network_inspect(objects, fmt):
    _same(objects, "network", "inspect", "--format", fmt, "fmtnet")


@pytest.mark.parametrize("fmt", VOLUME)
def test_volume_ls(objects, fmt):
    _same(objects, "volume", "ls", "--filter", "name=fmtvol", "--format", fmt)


@pytest.mark.parametrize("fmt", VERSION)
def test_version(objects, fmt):
    _same(objects, "version", "--format", fmt)


@pytest.mark.parametrize("fmt", INFO)
def test_info(objects, fmt):
    _same(objects, "info", "--format", fmt)
