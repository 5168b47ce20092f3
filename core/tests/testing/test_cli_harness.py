"""minikube.testing.MinikubeCLI and the error-form helpers, against a stand-in ``minikube`` executable.

The real console script is exercised by every CLI test (core/tests/cli uses the harness); here a
small script plays minikube so each rule of the harness is checked quickly and exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from minikube.testing import ErrorLine, MinikubeCLI, Venv, assert_error_line, parse_error_line

STANDIN = textwrap.dedent("""\
    import json, os, sys, time
    args = sys.argv[1:]
    if args[:1] == ["env"]:
        print(json.dumps(dict(os.environ)))
    elif args[:1] == ["fail"]:
        print("* Doing something", file=sys.stderr)
        print(f"X Exiting due to {args[1]}: it went wrong", file=sys.stderr)
        print("* Suggestion: do better", file=sys.stderr)
        sys.exit(int(args[2]))
    elif args[:1] == ["twice"]:
        print("X Exiting due to A_B: one\\nX Exiting due to A_B: two", file=sys.stderr)
        sys.exit(1)
    elif args[:1] == ["crash"]:
        print("X Exiting due to MK_X: boom", file=sys.stderr)
        print("Traceback (most recent call last):", file=sys.stderr)
        sys.exit(1)
    elif args[:1] == ["noisy"]:
        print("Traceback (most recent call last):", file=sys.stderr)
    elif args[:3] == ["drivers", "list", "-o"]:
        print(json.dumps([{"name": "foo", "status": "ok"}, {"name": "bar", "status": "broken"}]))
    elif args[:1] == ["echo"]:
        print(sys.stdin.read().upper(), end="")
    elif args[:1] == ["sleep"]:
        time.sleep(float(args[1]))
    else:
        sys.exit(3)
""")


@pytest.fixture
def exe(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "minikube"
    path.parent.mkdir()
    path.write_text(f"#!{sys.executable}\n{STANDIN}")
    path.chmod(0o755)
    return path


@pytest.fixture
def mk(exe: Path, tmp_path: Path) -> MinikubeCLI:
    return MinikubeCLI(exe, tmp_path / "mkhome")


def done(code: int, stderr: str = "", stdout: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["minikube"], code, stdout, stderr)


# --- the error form ---------------------------------------------------------------------------------

def test_parse_error_line_reads_the_one_line() -> None:
    err = parse_error_line("* Starting\nX Exiting due to GUEST_NOT_FOUND: Profile \"x\" not found: a: b\n* Suggestion: run\n")
    assert err == ErrorLine("GUEST_NOT_FOUND", 'Profile "x" not found: a: b',
                            'X Exiting due to GUEST_NOT_FOUND: Profile "x" not found: a: b')
    assert str(err) == err.line


@pytest.mark.parametrize("stderr", ["", "* all fine\n", "X Exiting due to A: one\nX Exiting due to A: two\n",
                                    "X Exiting due to lower_case: no\n", "X Exiting due to NOCOLON\n"])
def test_parse_error_line_refuses_anything_else(stderr: str) -> None:
    with pytest.raises(ValueError, match="Exiting due to"):
        parse_error_line(stderr)


def test_assert_error_line_checks_code_traceback_count_and_reason() -> None:
    good = "X Exiting due to MK_USAGE: bad flag\n* Suggestion: fix it\n"
    assert assert_error_line(done(14, good), "MK_USAGE", 14).message == "bad flag"
    with pytest.raises(AssertionError, match="exit code 1, want 14"):
        assert_error_line(done(1, good), "MK_USAGE", 14)
    with pytest.raises(AssertionError, match="traceback"):
        assert_error_line(done(14, good, stdout="Traceback (most recent call last):"), "MK_USAGE", 14)
    with pytest.raises(AssertionError, match="exited due to MK_USAGE, want DRV_NOT_FOUND"):
        assert_error_line(done(14, good), "DRV_NOT_FOUND", 14)
    with pytest.raises(AssertionError, match="found 2"):
        assert_error_line(done(14, good + good), "MK_USAGE", 14)
    with pytest.raises(AssertionError, match="found 0"):
        assert_error_line(done(14, "Exiting due to MK_USAGE: no X\n"), "MK_USAGE", 14)


# --- the harness ------------------------------------------------------------------------------------

def test_every_command_gets_its_own_home_and_cache_and_no_settings_from_the_shell(
        mk: MinikubeCLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_DRIVER", "kvm2")
    monkeypatch.setenv("MINIKUBE_PROFILE", "mine")
    monkeypatch.setenv("MINIKUBE_HOME", "/somewhere/else")
    monkeypatch.setenv("PYTHONPATH", "/leaks")
    env = mk.json("env")
    assert env["MINIKUBE_HOME"] == str(tmp_path / "mkhome")
    assert env["XDG_CACHE_HOME"] == str(tmp_path / "mkhome-xdg-cache")  # beside the home, never in it
    assert env["MINIKUBE_DRIVER"] == env["MINIKUBE_PROFILE"] == ""
    assert "PYTHONPATH" not in env and "MINIKUBE_HEALTH_TIMEOUT" not in env
    assert not mk.home.exists()


def test_settings_layer_harness_then_call(exe: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOO_KNOB", "from the shell")
    mk = MinikubeCLI(exe, tmp_path / "h", env={"COLUMNS": "200", "A": "harness"}, clear=("FOO_KNOB",),
                     health_timeout=3, cache=tmp_path / "c")
    env = mk.json("env", env={"A": "call"})
    assert (env["COLUMNS"], env["A"], env["FOO_KNOB"]) == ("200", "call", "")
    assert (env["MINIKUBE_HEALTH_TIMEOUT"], env["XDG_CACHE_HOME"]) == ("3", str(tmp_path / "c"))
    assert mk.full_env({"B": "x"})["B"] == "x" and mk.argv("ip") == [str(exe), "ip"]


def test_a_venv_runs_its_own_minikube_in_its_own_environment(exe: Path, tmp_path: Path) -> None:
    venv = Venv(exe.parent.parent)  # bin/minikube, as in a venv
    mk = MinikubeCLI(venv, tmp_path / "h")
    assert mk.venv is venv and mk.executable == exe
    env = mk.json("env")
    assert env["VIRTUAL_ENV"] == str(venv.path) and env["PATH"].startswith(str(venv.bin))
    assert env["MINIKUBE_HOME"] == str(tmp_path / "h")


def test_ok_json_drivers_and_input(mk: MinikubeCLI) -> None:
    assert mk.drivers() == {"foo": {"name": "foo", "status": "ok"}, "bar": {"name": "bar", "status": "broken"}}
    assert mk.ok("echo", input="hi").stdout == "HI"
    assert mk("nonsense").returncode == 3
    with pytest.raises(AssertionError, match="minikube nonsense exited 3, want 0"):
        mk.ok("nonsense")
    with pytest.raises(AssertionError, match="minikube noisy printed a traceback"):
        mk.ok("noisy")
    with pytest.raises(subprocess.TimeoutExpired):
        mk("sleep", "5", timeout=0.5)


def test_fails_asserts_the_one_line_error_form(mk: MinikubeCLI) -> None:
    p = mk.fails(["fail", "DRV_NOT_FOUND", "55"], "DRV_NOT_FOUND", 55)
    assert "* Suggestion: do better" in p.stderr
    assert parse_error_line(p.stderr).message == "it went wrong"
    with pytest.raises(AssertionError, match="want 56"):
        mk.fails(["fail", "DRV_NOT_FOUND", "55"], "DRV_NOT_FOUND", 56)
    with pytest.raises(AssertionError, match="want MK_USAGE"):
        mk.fails(["fail", "DRV_NOT_FOUND", "55"], "MK_USAGE", 55)
    with pytest.raises(AssertionError, match="traceback"):
        mk.fails(["crash"], "MK_X", 1)
    with pytest.raises(AssertionError, match="found 2"):
        mk.fails(["twice"], "A_B", 1)
    with pytest.raises(TypeError, match="as a list"):
        mk.fails("start", "MK_USAGE", 14)  # type: ignore[arg-type]


def test_popen_starts_it_in_the_same_environment(mk: MinikubeCLI) -> None:
    proc = mk.popen("env", env={"X": "1"}, stdout=subprocess.PIPE)
    out, _ = proc.communicate(timeout=60)
    env = json.loads(out)
    assert (env["X"], env["MINIKUBE_HOME"]) == ("1", str(mk.home))


def test_the_harness_imports_neither_pytest_nor_the_machine_layer() -> None:
    code = ("import sys; import minikube.testing as t; t.MinikubeCLI; t.parse_error_line; "
            "print(' '.join(m for m in sys.modules if m == 'pytest' or m.startswith(('minikube.machine', "
            "'minikube.registry', 'minikube.cli'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
