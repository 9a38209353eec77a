"""Go's text/template for --format: grammar, evaluation, Go's printing and errors (rules from Go text/template, fmt, encoding/json and docker/cli templates.go).

The differential twin (same strings through the real docker CLI) is tests/integration/test_diff_docker_format.py.
"""

from __future__ import annotations

import pytest

from minidocker.client.formatting.gofmt import go_float, go_json, sprintf
from minidocker.client.formatting.template import TemplateError, execute

OBJ = {
    "Name": "/web", "Id": "0123456789abcdef",
    "State": {"Status": "running", "Pid": 42, "Running": True, "ExitCode": 0},
    "Config": {"Cmd": ["sh", "-c", "x"], "Labels": {"b": "2", "a": "1"}, "Env": ["A=1"], "Image": "busybox:latest"},
    "NetworkSettings": {"Networks": {"n": {"IPAddress": "10.0.0.2"}, "bridge": {"IPAddress": "172.17.0.2"}}},
    "Mounts": [], "Null": None,
}


@pytest.mark.parametrize("template, text", [
    # fields, chains on any value, parentheses
    ("{{.Name}} {{.State.Pid}} {{.State.Running}}", "/web 42 true"),
    ('{{(index .NetworkSettings.Networks "n").IPAddress}}', "10.0.0.2"),
    ("{{$s := .State}}{{$s.Status}}", "running"),
    ("{{.Config.Labels.a}}", "1"),
    # maps range in sorted key order, as Go; key/value variables
    ("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", "172.17.0.2 10.0.0.2 "),
    ("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}", "a=1 b=2 "),
    ("{{range $i, $c := .Config.Cmd}}{{if $i}},{{end}}{{$c}}{{end}}", "sh,-c,x"),
    ("{{range .Mounts}}x{{else}}none{{end}}", "none"),
    ("{{range 3}}{{.}}{{end}}", "012"),
    ('{{range .Config.Cmd}}{{if eq . "-c"}}{{break}}{{end}}{{.}}{{end}}', "sh"),
    ('{{range .Config.Cmd}}{{if eq . "-c"}}{{continue}}{{end}}{{.}}{{end}}', "shx"),
    # if / else if / with, variables and their scopes
    ('{{if eq .State.Status "exited" "running"}}a{{else}}b{{end}}', "a"),
    ('{{if .Null}}a{{else if .Mounts}}b{{else if .Name}}c{{end}}', "c"),
    ("{{with .Null}}{{.X}}{{else}}none{{end}} {{with .State}}{{.Pid}}{{end}}", "none 42"),
    ("{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}", "2"),
    ("{{range .Config.Cmd}}{{$.Name}}{{end}}", "/web/web/web"),
    # pipelines, trimming, comments, literals
    ('{{.Name | printf "%s!"}} {{.Name | len}}', "/web! 4"),
    ("a  {{- /* note */ -}}  b {{- .Name -}}\n c", "ab/webc"),
    ("{{1}} {{1.5}} {{1e6}} {{0x1F}} {{'a'}} {{true}} {{\"q\\tz\"}} {{`r\\n`}} {{-3}}", "1 1.5 1e+06 31 97 true q\tz r\\n -3"),
    # Go's printing
    ("{{.Config.Labels}} {{.Config.Cmd}} {{.Missing}}", "map[a:1 b:2] [sh -c x] <no value>"),
    ("{{.Null}} {{print .Null}} {{printf \"%v\" .Config.Env}}", "<no value> <nil> [A=1]"),
    # functions
    ("{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{not .Mounts}} {{and .Null .Null.X}}", "0 x true <no value>"),
    ("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}} {{ne 1 2}} {{eq .Null nil}}", "true true true false true true"),
    ("{{len .Name}} {{len .Config.Labels}} {{len \"é\"}}", "4 2 2"),
    ("{{index .Config.Cmd 1}} {{index .NetworkSettings.Networks \"n\" \"IPAddress\"}}", "-c 10.0.0.2"),
    ('{{index .Config.Labels "zz"}}|', "|"),
    ("{{slice .Id 0 4}} {{slice .Config.Cmd 1}} {{slice .Config.Cmd 1 2}}", "0123 [-c x] [-c]"),
    ('{{print 1 2 "a" "b" 3}}|{{println "a" 1}}', "1 2ab3|a 1\n"),
    ('{{html "<a href=\'x\'>&"}} {{js "it\'s <b>"}} {{urlquery "a b&c/d"}}', "&lt;a href=&#39;x&#39;&gt;&amp; it\\'s \\u003Cb\\u003E a+b%26c%2Fd"),
    # docker's functions
    ('{{json .Config.Cmd}} {{json .Config.Labels}} {{json "<&>"}} {{json 1.0}}', '["sh","-c","x"] {"b":"2","a":"1"} "<&>" 1'),
    ('{{join .Config.Cmd " "}} {{split "a:b:c" ":"}} {{index (split .Config.Image ":") 1}}', "sh -c x [a b c] latest"),
    ('{{upper .Name}} {{lower "ABC"}} {{title "hello wide-world"}}', "/WEB abc Hello Wide-World"),
    ('{{truncate .Id 4}} {{truncate "ab" 5}} [{{pad "x" 1 2}}] [{{pad "" 1 2}}]', "0123 ab [ x  ] []"),
])
def test_templates_render_as_go_does(template: str, text: str) -> None:
    assert execute(template, OBJ) == text


@pytest.mark.parametrize("fmt, args, text", [
    ("%-6s|%6s|%.2s", ["ab", "cd", "xyz"], "ab    |    cd|xy"),
    ("%d %5d %-5d| %05d %x %X %o %+d", [42, 42, 42, 42, 255, 255, 8, 3], "42    42 42   | 00042 ff FF 10 +3"),
    ("%q %v %t %c %%", ["a\"b\n", [1, "x"], True, 65], '"a\\"b\\n" [1 x] true A %'),
    ("%.2f %6.1f %e %g %v", [3.14159, 2.5, 1234.5, 0.000012, 1.5], "3.14    2.5 1.234500e+03 1.2e-05 1.5"),
    ("%d %s", ["x", 5], "%!d(string=x) %!s(int=5)"),
    ("%s %s", ["a"], "a %!s(MISSING)"),
    ("%s", ["a", 1], "a%!(EXTRA int=1)"),
    ("%x %s", ["hi", ["a", "b"]], "6869 [a b]"),
])
def test_printf_follows_go_fmt(fmt: str, args: list, text: str) -> None:
    assert sprintf(fmt, args) == text


def test_floats_print_as_go() -> None:
    assert [go_float(x) for x in (1.5, 1e6, 123456.0, 1234567.0, 1e-5, 0.0001, 1e21, -2.25)] == \
        ["1.5", "1e+06", "123456", "1.234567e+06", "1e-05", "0.0001", "1e+21", "-2.25"]
    assert [go_json(x) for x in (1.0, 1e21, 1e-7, 0.5, 123456789.0)] == ["1", "1e+21", "1e-7", "0.5", "123456789"]
    assert go_json({"a": [None, True, "\u2028"]}) == '{"a":[null,true,"\\u2028"]}'


@pytest.mark.parametrize("template, message", [
    ("{{.Name", "template: :1: unclosed action"),
    ("{{end}}", "template: :1: unexpected {{end}}"),
    ("{{else}}", "template: :1: unexpected {{else}}"),
    ("{{range .X}}", "template: :1: unexpected EOF"),
    ("{{nosuch .Name}}", 'template: :1: function "nosuch" not defined'),
    ("{{$nope}}", 'template: :1: undefined variable "$nope"'),
    ("{{if}}{{end}}", "template: :1: missing value for if"),
    ("a\n{{/* open", "template: :2: unclosed comment"),
])
def test_parse_errors_are_docker_s_one_line_and_exit_64(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as err:
        execute(template, OBJ)
    assert err.value.message == "template parsing error: " + message
    assert err.value.code == 64


@pytest.mark.parametrize("template, message", [
    ("{{.State.Health.Status}}", 'template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"'),
    ("{{.Null.X}}", 'template: :1:7: executing "" at <.Null.X>: nil pointer evaluating interface {}.X'),
    ("{{index .Config.Cmd 9}}", 'template: :1:2: executing "" at <index .Config.Cmd 9>: error calling index: index out of range: 9'),
    ("{{range .Name}}{{end}}", 'template: :1:8: executing "" at <.Name>: range can\'t iterate over /web'),
    ("{{upper 1}}", 'template: :1:8: executing "" at <1>: expected string; found 1'),
    ("{{upper .State.Pid}}", 'template: :1:2: executing "" at <upper .State.Pid>: wrong type for value; expected string; got int'),
    ('{{eq .Name 1}}', 'template: :1:2: executing "" at <eq .Name 1>: error calling eq: incompatible types for comparison'),
    ('{{(index .NetworkSettings.Networks "zz").IPAddress}}',
     'template: :1:35: executing "" at <"zz">: nil data; no entry for key "IPAddress"'),
    ('{{.Name "x"}}', 'template: :1:2: executing "" at <.Name "x">: Name is not a method but has arguments'),
])
def test_execution_errors_are_worded_as_go_s(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as err:
        execute(template, OBJ, missing_error=True)
    assert err.value.message == "template parsing error: " + message
    assert err.value.code == 1


def test_missing_keys_without_missingkey_error_print_no_value() -> None:
    assert execute("{{.State.Health}}", OBJ) == "<no value>"
    assert execute('{{(index .NetworkSettings.Networks "zz").IPAddress}}', OBJ) == "<no value>"


def test_inspect_optional_fields_are_nil_only_at_the_end_of_a_chain() -> None:
    optional = frozenset(["Health"])
    assert execute("{{with .State.Health}}x{{else}}none{{end}}", OBJ, missing_error=True, optional=optional) == "none"
    with pytest.raises(TemplateError, match='map has no entry for key "Health"'):
        execute("{{.State.Health.Status}}", OBJ, missing_error=True, optional=optional)
    assert execute("{{.Label \"k\"}}", {"Label": lambda k: k.upper()}) == "K"


def test_header_functions_keep_column_names() -> None:
    assert execute("{{upper .Names}}\t{{json .State}}\t{{truncate .Image 2}}",
                   {"Names": "NAMES", "State": "STATE", "Image": "IMAGE"}, header=True) == "NAMES\tSTATE\tIMAGE"


def test_list_rows_are_go_maps_with_a_label_method(capsys: pytest.CaptureFixture[str]) -> None:
    from minidocker.client.formatting import custom

    rows = [{"Names": "b", "Labels": "x=1,y=2"}, {"Names": "a", "Labels": ""}]
    custom.write('{{.Label "y"}}|{{json .}}', rows, {"Names": "NAMES", "Labels": "LABELS"})
    assert capsys.readouterr().out == '2|{"Labels":"x=1,y=2","Names":"b"}\n|{"Labels":"","Names":"a"}\n'
    custom.write("table {{upper .Names}}\\t{{.Label \"x\"}}", rows, {"Names": "NAMES", "Labels": "LABELS"})
    assert capsys.readouterr().out == "NAMES".ljust(10) + "x\n" + "B".ljust(10) + "1\n" + "A".ljust(10) + "\n"


def test_list_rows_refuse_unknown_fields_as_docker_s_contexts(capsys: pytest.CaptureFixture[str]) -> None:
    from minidocker.client.formatting import custom

    with pytest.raises(TemplateError) as err:
        custom.write("{{.Nope}}", [{"Names": "a"}], {"Names": "NAMES"})
    assert err.value.message == ('failed to execute template: template: :1:2: executing "" at <.Nope>: '
                                 "can't evaluate field Nope in type *formatter.ContainerContext")
    custom.write("{{.LocalVolumes}}|{{.Names}}", [{"Names": "a"}], {"Names": "NAMES"})  # docker's, not in our row
    with pytest.raises(TemplateError, match="^failed to parse template: template: :1: unclosed action$"):
        custom.write("{{.Names", [{"Names": "a"}], {"Names": "NAMES"})
    assert capsys.readouterr().out == "|a\n"


def test_inspect_prints_null_fields_as_typed_zeros() -> None:
    from minidocker.client.formatting.template import TYPED_NILS

    data = {"Config": {"Entrypoint": None, "Volumes": None, "Healthcheck": None}}
    assert execute("{{.Config.Entrypoint}} {{.Config.Volumes}} {{.Config.Healthcheck}} {{json .Config.Entrypoint}}",
                   data, missing_error=True, typed_nils=TYPED_NILS) == "[] map[] <nil> null"
