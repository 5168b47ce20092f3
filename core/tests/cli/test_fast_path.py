"""``status`` and ``ip`` run without typer: the fast path's parser must never read a line
differently from typer's.  Hypothesis builds command lines from the tokens that matter; for each,
either the fast path declines (typer runs the command as usual) or typer's own parser accepts the
line with exactly the same parameters."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minikube.cli import _fast, app

TOKENS = ["status", "ip", "stop", "profile", "list", "drivers", "-p", "--profile", "--profile=", "--profile=x", "-px", "-p=", "-o", "--output",
          "--output=json", "--output=text", "--output=yaml", "-ojson", "-o=json", "json", "text", "JSON", "x",
          "minikube", "", "--", "-", "--help", "-h", "--bogus", "-x", "-v", "--v=2", "--alsologtostderr",
          "--profile=-o", "-p-o", "--outputjson", "--prof", "status2", "-oj",
          "-f", "--format", "--format={{.Host}}", "-f{{.Name}}", "{{.Host}}", "{{.host}}", "--form", "-fjson"]


def _typer_parse(args: list[str]) -> tuple[str, dict[str, object]] | None:
    """What typer's own parser makes of a line: (command words, params), or None when it refuses it
    (a usage error, --help's exit, or a group without a command)."""
    import typer

    cmd = typer.main.get_command(app)
    ctx = None
    words: list[str] = []
    rest = list(args)
    try:
        while True:
            ctx = cmd.make_context(words[-1] if words else "minikube", rest, parent=ctx)
            if not hasattr(cmd, "resolve_command"):
                break
            name, sub, rest = cmd.resolve_command(ctx, ctx._protected_args + ctx.args)  # type: ignore[attr-defined]
            if sub is None:
                return None
            words.append(str(name))
            cmd = sub
    except Exception:  # noqa: BLE001 - click's usage errors, --help's exit: typer refuses or prints help
        return None
    params = {k: (v.value if hasattr(v, "value") else v) for k, v in ctx.params.items()}
    return " ".join(words), params


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6))
def test_the_fast_path_reads_a_line_as_typer_does_or_declines(args: list[str]) -> None:
    fast = _fast.parse(args)
    if fast is None:
        return
    assert _typer_parse(args) == fast, args


@pytest.mark.parametrize("args, expected", [
    (["status"], ("status", {"profile": None, "output": "text", "fmt": None, "node": None})),
    (["status", "-p", "a", "-o", "json"], ("status", {"profile": "a", "output": "json", "fmt": None, "node": None})),
    (["status", "--profile=a", "--output=text", "-pb"], ("status", {"profile": "b", "output": "text", "fmt": None, "node": None})),
    (["status", "-f", "{{.Host}}", "-p", "a"], ("status", {"profile": "a", "output": "text", "fmt": "{{.Host}}", "node": None})),
    (["status", "--format={{.Name}}"], ("status", {"profile": None, "output": "text", "fmt": "{{.Name}}", "node": None})),
    (["ip", "-p", "a"], ("ip", {"profile": "a", "node": None})),
    (["ip", "-p", "a", "-n", "m02"], ("ip", {"profile": "a", "node": "m02"})),
    (["status", "--node=a-m02", "-o", "json"], ("status", {"profile": None, "output": "json", "fmt": None, "node": "a-m02"})),
    (["profile", "list"], ("profile list", {"output": "text"})),
    (["profile", "list", "-o", "json"], ("profile list", {"output": "json"})),
])
def test_the_usual_lines_take_the_fast_path(args: list[str], expected: tuple) -> None:
    assert _fast.parse(args) == expected
    assert _typer_parse(args) == expected


@pytest.mark.parametrize("args", [["status", "--help"], ["ip", "-o", "json"], ["status", "-o", "yaml"],
                                  ["status", "-p"], ["status", "extra"], ["start"], ["profile"],
                                  ["profile", "list", "-p", "x"], ["profile", "list", "--help"],
                                  ["profile", "x"], ["status", "-f"], ["ip", "-f", "{{.Host}}"]])
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert _fast.parse(args) is None


@pytest.mark.parametrize("argv, code", [("'status', '-p', 'nosuchprofile'", 85), ("'ip', '-p', 'nosuchprofile'", 85),
                                        ("'profile', 'list', '-o', 'json'", 0),
                                        ("'status', '-p', 'nosuchprofile', '-f', '{{.Host}}'", 85),
                                        ("'status', '-o', 'json', '-f', '{{.Host}}'", 14)])
def test_the_hot_commands_import_no_typer_click_or_rich(argv: str, code: int) -> None:
    program = ("import sys; from minikube.cli import _fast; "
               f"sys.argv = ['minikube', {argv}]\n"
               "from minikube.cli import main\n"
               "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
               "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'rich', 'pydantic')))")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         env={"MINIKUBE_HOME": "/nonexistent-mk-home", "PATH": "/usr/bin:/bin"}).stdout
    assert out.strip().splitlines()[-1] == f"{code} []", out
