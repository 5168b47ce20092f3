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

TOKENS = ["status", "ip", "stop", "-p", "--profile", "--profile=", "--profile=x", "-px", "-p=", "-o", "--output",
          "--output=json", "--output=text", "--output=yaml", "-ojson", "-o=json", "json", "text", "JSON", "x",
          "minikube", "", "--", "-", "--help", "-h", "--bogus", "-x", "-v", "--v=2", "--alsologtostderr",
          "--profile=-o", "-p-o", "--outputjson", "--prof", "status2", "-oj"]


def _typer_parse(args: list[str]) -> tuple[str, dict[str, object]] | None:
    """What typer's own parser makes of a line: (command, params), or None when it refuses it."""
    import typer

    group = typer.main.get_command(app)
    try:
        ctx = group.make_context("minikube", list(args), resilient_parsing=False)
        name, cmd, rest = group.resolve_command(ctx, ctx._protected_args + ctx.args)  # type: ignore[attr-defined]
        assert cmd is not None
        sub = cmd.make_context(name, rest, parent=ctx)
    except Exception:  # noqa: BLE001 - click's usage errors, --help's exit: typer refuses or prints help
        return None
    params = {k: (v.value if hasattr(v, "value") else v) for k, v in sub.params.items()}
    return str(name), params


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6))
def test_the_fast_path_reads_a_line_as_typer_does_or_declines(args: list[str]) -> None:
    fast = _fast.parse(args)
    if fast is None:
        return
    assert _typer_parse(args) == fast, args


@pytest.mark.parametrize("args, expected", [
    (["status"], ("status", {"profile": None, "output": "text"})),
    (["status", "-p", "a", "-o", "json"], ("status", {"profile": "a", "output": "json"})),
    (["status", "--profile=a", "--output=text", "-pb"], ("status", {"profile": "b", "output": "text"})),
    (["ip", "-p", "a"], ("ip", {"profile": "a"})),
])
def test_the_usual_lines_take_the_fast_path(args: list[str], expected: tuple) -> None:
    assert _fast.parse(args) == expected
    assert _typer_parse(args) == expected


@pytest.mark.parametrize("args", [["status", "--help"], ["ip", "-o", "json"], ["status", "-o", "yaml"],
                                  ["status", "-p"], ["status", "extra"], ["start"]])
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert _fast.parse(args) is None


def test_status_imports_no_typer_click_or_rich() -> None:
    code = ("import sys; from minikube.cli import _fast; "
            "sys.argv = ['minikube', 'status', '-p', 'nosuchprofile']\n"
            "from minikube.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'rich', 'pydantic')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"MINIKUBE_HOME": "/nonexistent-mk-home", "PATH": "/usr/bin:/bin"}).stdout
    assert out.strip() == "85 []", out
