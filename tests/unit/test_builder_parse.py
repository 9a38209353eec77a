"""The Dockerfile front end: stages, checks with Docker's wording, word expansion, and the CLI's .dockerignore rules."""

import pytest

from minidocker.client.build_context import Matcher
from minidocker.dockerd.builder import shellwords
from minidocker.dockerd.builder.parse import parse
from minidocker.errors import InvalidArgument


def test_stages_meta_args_and_names():
    df = parse("ARG BASE=busybox\nFROM $BASE AS Build\nRUN echo hi\nFROM scratch\nCOPY --from=build /a /b\n")
    assert [a.args for a in df.meta_args] == [("BASE=busybox",)]
    assert [(s.base, s.name) for s in df.stages] == [("$BASE", "build"), ("scratch", None)]
    assert df.stage("BUILD") is df.stages[0] and df.stage("1") is df.stages[1] and df.stage("nope") is None
    copy = df.stages[1].instructions[0]
    assert copy.cmd == "COPY" and copy.flags == {"from": "build"} and copy.args == ("/a", "/b")


@pytest.mark.parametrize("text, message", [
    ("FROM busybox\nFOO bar\n", "line 2: unknown instruction: FOO"),
    ("RUN true\n", "no build stage in current context"),
    ("FROM a b\n", "FROM requires either one or three arguments"),
    ("FROM busybox\nCOPY --frm=x a b\n", "unknown flag: frm"),
    ("FROM a AS x\nFROM b AS x\n", "duplicate name"),
    ("", "cannot be empty"),
])
def test_bad_dockerfiles_are_refused_with_the_line(text, message):
    with pytest.raises(InvalidArgument, match=message):
        parse(text)


def test_heredoc_and_json_forms_survive():
    df = parse('FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\nCMD ["sh", "-c", "echo $HOME"]\n')
    run, cmd = df.stages[0].instructions
    assert run.heredocs[0].content == "echo one\necho two\n"
    assert cmd.json and cmd.args == ("sh", "-c", "echo $HOME")


ENV = {"A": "1", "EMPTY": ""}


@pytest.mark.parametrize("word, expanded", [
    ("$A", "1"), ("${A}x", "1x"), ('"a  b"', "a  b"), ("'$A'", "$A"), ("a\\ b", "a b"),
    ("${UNSET:-def}", "def"), ("${EMPTY:-def}", "def"), ("${EMPTY-def}", ""), ("${A:+alt}", "alt"),
    ("${UNSET:+alt}", ""), ('"\\$A"', "$A"), ("$UNSET", ""),
])
def test_word_expansion_follows_the_shell_rules_docker_documents(word, expanded):
    assert shellwords.expand_word(word, ENV) == expanded


def test_words_split_on_unquoted_space_and_required_vars_fail():
    assert shellwords.expand_words('a "b c" $A', ENV) == ["a", "b c", "1"]
    with pytest.raises(InvalidArgument, match="UNSET"):
        shellwords.expand_word("${UNSET:?must be set}", ENV)
    with pytest.raises(InvalidArgument, match="double-quote"):
        shellwords.expand_words('"open', ENV)


@pytest.mark.parametrize("path, out", [
    ("a.md", True), ("README.md", False), ("x/a.md", False), ("build/x/y", True), ("src/a.pyc", True),
    ("a.pyc", True), ("temp1", True), ("temp12", False), ("docs/a/b/secret", True), ("src/main.py", False),
])
def test_dockerignore_last_matching_line_wins_and_dirs_cover_their_contents(path, out):
    # the CLI applies .dockerignore when it makes the context tar, as docker's CLI does
    matcher = Matcher(["# comment", "*.md", "!README.md", "build", "**/*.pyc", "temp?", "/docs/**/secret"])
    assert matcher.excluded(path) is out


def _state_after(text, base=None, build_args=None):
    from minidocker.dockerd.builder.state import BuildState

    state = BuildState.from_image(base, build_args or {})
    lines = [state.apply(i) for i in parse(text).stages[0].instructions]
    return state, lines


def test_metadata_instructions_change_the_config_as_docker_documents():
    state, lines = _state_after(
        'FROM busybox\nARG V=1\nENV A=$V B="x y"\nWORKDIR /app\nWORKDIR sub\nEXPOSE 80 53/udp\n'
        'LABEL k=v\nUSER nobody\nCMD echo hi\nENTRYPOINT ["sh"]\nVOLUME /data\n',
        base={"Env": ["PATH=/bin"], "Cmd": ["sh"]}, build_args={"V": "9"})
    c = state.config
    assert c["Env"] == ["PATH=/bin", "A=9", "B=x y"]  # the build-arg beats the ARG default
    assert c["WorkingDir"] == "/app/sub"  # a relative WORKDIR builds on the previous one
    assert set(c["ExposedPorts"]) == {"80/tcp", "53/udp"}
    assert c["Cmd"] == ["/bin/sh", "-c", "echo hi"] and c["Entrypoint"] == ["sh"]
    assert c["User"] == "nobody" and c["Labels"] == {"k": "v"} and c["Volumes"] == {"/data": {}}
    assert state.used_args == {"V"}
    # history lines as moby writes them: two spaces after #(nop) but for WORKDIR, Go's %q for CMD/ENTRYPOINT
    assert "/bin/sh -c #(nop) WORKDIR /app" in lines and "/bin/sh -c #(nop)  ENV A=9 B=x y" in lines
    assert '/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "echo hi"]' in lines
    assert "/bin/sh -c #(nop)  VOLUME [/data]" in lines and "/bin/sh -c #(nop)  EXPOSE 80 53/udp" in lines


def test_entrypoint_resets_an_inherited_cmd_only():
    inherited, _ = _state_after('FROM x\nENTRYPOINT ["top"]\n', base={"Cmd": ["sh"]})
    assert inherited.config["Cmd"] is None
    own, _ = _state_after('FROM x\nCMD ["-b"]\nENTRYPOINT ["top"]\n', base={"Cmd": ["sh"]})
    assert own.config["Cmd"] == ["-b"]


def test_env_beats_arg_and_shell_form_uses_shell():
    state, _ = _state_after('FROM x\nARG A=fromarg\nENV A=fromenv\nSHELL ["/bin/ash", "-c"]\nCMD echo $A\n')
    assert state.env()["A"] == "fromenv"
    assert state.config["Cmd"] == ["/bin/ash", "-c", "echo $A"]
