"""What a person sees: one-line errors, help, version, Ctrl-C, spinners only on terminals,
shell completion, and which drivers a command imports."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest

from ._helpers import ANSI, REPORT_IMPORTS, Mk, assert_error, imported_drivers, imported_pydantic, run_in_pty

SPINNER = re.compile("[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]")


@pytest.mark.parametrize(("flag", "value"), [("--memory", "10x"), ("--cpus", "0"), ("--disk-size", "-1"),
                                             ("--cpus", "two"), ("--memory", "0g")])
def test_bad_sizes_and_counts_are_usage_errors_naming_the_flag(mk: Mk, flag: str, value: str) -> None:
    err = assert_error(mk("start", "--driver", "fake", flag, value), "MK_USAGE", 14)
    assert f"invalid value '{value}' for {flag}" in err
    assert not mk.home.exists() or not (mk.home / "machines").exists()


def test_click_usage_errors_are_one_line_too(mk: Mk) -> None:
    err = assert_error(mk("stop", "--frobnicate"), "MK_USAGE", 14)
    assert "No such option: --frobnicate" in err and "minikube stop --help" in err
    err = assert_error(mk("status", "-o", "yaml"), "MK_USAGE", 14)
    assert "'yaml' is not one of 'text', 'json'" in err
    assert_error(mk("frobnicate"), "MK_USAGE", 14)
    assert_error(mk("-v", "lots", "status"), "MK_USAGE", 14)


def test_no_arguments_prints_help_and_version_works(mk: Mk) -> None:
    p = mk.ok()
    assert "Usage: minikube" in p.stdout and "start" in p.stdout
    assert re.fullmatch(r"minikube version: v\d+\.\d+\.\d+\S*\n", mk.ok("--version").stdout)
    assert mk.ok("version").stdout == mk.ok("--version").stdout


def test_a_file_where_minikube_home_should_be_is_one_clear_line(mk: Mk) -> None:
    mk.home.parent.mkdir(parents=True, exist_ok=True)
    mk.home.write_text("not a directory")
    err = assert_error(mk("start", "--driver", "fake"), "MK_FAILURE", 1)
    assert str(mk.home) in err


def test_ctrl_c_while_health_checks_run_is_MK_INTERRUPTED(mk: Mk) -> None:
    proc = subprocess.Popen([str(mk.venv.bin / "minikube"), "start"],
                            env=mk.full_env({"MINIKUBE_HEALTH_TIMEOUT": "90"}),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # the slow driver's check holds auto-selection for up to 90 s
    t = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t < 30
    assert proc.returncode == 11, err
    assert "Traceback" not in err
    assert "X Exiting due to MK_INTERRUPTED: interrupted (Ctrl-C)" in err


def test_spinner_on_a_terminal_and_plain_lines_in_a_pipe(mk: Mk) -> None:
    env = mk.full_env({"TERM": "xterm-256color", "COLUMNS": "100"})
    code, screen = run_in_pty([str(mk.venv.bin / "minikube"), "start", "--driver", "fake", "-p", "tty",
                               "--fake-create-delay", "2"], env)
    assert code == 0, screen
    assert SPINNER.search(screen) and "Creating fake machine" in screen, screen
    piped = mk.ok("start", "--driver", "fake", "-p", "pipe", "--fake-create-delay", "1")
    assert not SPINNER.search(piped.stderr) and not ANSI.search(piped.stderr), piped.stderr
    # With logs on the terminal there is no spinner to garble them.
    code, screen = run_in_pty([str(mk.venv.bin / "minikube"), "stop", "-p", "tty", "--alsologtostderr"], env)
    assert code == 0 and "minikube.cli] " in screen and not SPINNER.search(screen), screen


def test_completion_of_driver_and_profile_names_imports_no_driver(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "alpha")
    mk.ok("start", "--driver", "fake", "-p", "beta")

    def complete(words: str) -> tuple[list[str], set[str]]:
        env = {"_MINIKUBE_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
               **REPORT_IMPORTS}
        p = mk.venv.run("minikube", env={**mk.env, **env})
        assert p.returncode == 0, p.stderr
        return p.stdout.split(), imported_drivers(p.stderr)

    names, imported = complete("minikube start --driver ")
    assert {"fake", "improvable", "better", "slow", "darwinonly"} <= set(names) and imported == set()
    names, imported = complete("minikube start --driver imp")
    assert names == ["improvable"] and imported == set()
    names, imported = complete("minikube status -p ")
    assert names == ["alpha", "beta"] and imported == set()
    names, _ = complete("minikube drivers info b")
    assert names == ["better"]


def test_help_status_and_ip_import_only_the_profiles_driver_and_no_pydantic(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "lean")
    env = {**REPORT_IMPORTS}
    for args, expected in ((["--help"], set()), (["status", "-p", "lean"], {"minikube_driver_fake"}),
                           (["ip", "-p", "lean"], {"minikube_driver_fake"}),
                           (["drivers", "list"], set())):
        p = mk(*args, env=env)
        assert p.returncode == 0, p.stderr
        assert imported_drivers(p.stderr) == expected, (args, imported_drivers(p.stderr))
        # Newer typers coerce parameters with pydantic; plain ones are converted without it.
        assert not imported_pydantic(p.stderr), args
