"""The CLI tests' settings for minikube.testing.MinikubeCLI (the real console script of a test venv,
and minikube's error form), the test distributions, and the import report and pty helpers."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import time
from pathlib import Path
from typing import Any

from minikube.testing import MinikubeCLI, Venv, assert_error_line

HERE = Path(__file__).resolve().parent
CLI_DISTS = HERE / "dists"
CORE_DISTS = HERE.parent / "dists"

#: The test drivers' settings a developer's shell may export, cleared (beside minikube's own, which
#: MinikubeCLI clears) so every test starts from defaults.
CLEARED = ("FAKE_LABEL", "FAKE_TAGS", "FAKE_CPU_COUNT", "FAKE_FAIL_CREATE", "FAKE_FAIL_MACHINE", "FAKE_CREATE_DELAY",
           "FAKE_CREATE_LOG", "MINIKUBE_TEST_REPORT_IMPORTS")

#: The health-check limit in tests (the default is minikube's 20 s).
HEALTH_TIMEOUT = "3"

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def dist(name: str) -> Path:
    """A test distribution: the CLI's own (health states) or the core's (fake, broken, ...)."""
    for root in (CLI_DISTS, CORE_DISTS):
        path = root / f"minikube-driver-{name}"
        if path.is_dir():
            return path
    raise LookupError(name)


class Mk(MinikubeCLI):
    """One venv's console script with its own MINIKUBE_HOME and discovery cache, as the CLI tests run it."""

    venv: Venv

    def __init__(self, venv: Venv, home: Path) -> None:
        super().__init__(venv, home, clear=CLEARED, health_timeout=HEALTH_TIMEOUT, env={"COLUMNS": "200"},
                         timeout=120)

    def machine_config(self, name: str) -> dict[str, Any]:
        return json.loads((self.home / "machines" / name / "config.json").read_text())  # type: ignore[no-any-return]

    def profile_config(self, name: str) -> dict[str, Any]:
        return json.loads((self.home / "profiles" / name / "config.json").read_text())  # type: ignore[no-any-return]


def assert_error(p: subprocess.CompletedProcess[str], reason: str, code: int) -> str:
    """One ``X Exiting due to <reason>: ...`` line, the right exit code, no traceback; returns stderr."""
    assert_error_line(p, reason, code)
    return p.stderr


#: Set this in a command's environment to have it report the driver packages it imported.
REPORT_IMPORTS = {"MINIKUBE_TEST_REPORT_IMPORTS": "1"}


def imported_drivers(stderr: str) -> set[str]:
    """The driver packages a process imported, from its ``IMPORTED-DRIVERS:`` line (see conftest)."""
    lines = [ln for ln in stderr.splitlines() if ln.startswith("IMPORTED-DRIVERS:")]
    assert lines, f"no import report in: {stderr[-2000:]}"
    return {m for m in lines[-1][len("IMPORTED-DRIVERS:"):].split(",") if m and m != "pydantic"}


def imported_pydantic(stderr: str) -> bool:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("IMPORTED-DRIVERS:")]
    assert lines, f"no import report in: {stderr[-2000:]}"
    return "pydantic" in lines[-1][len("IMPORTED-DRIVERS:"):].split(",")


def run_in_pty(argv: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run with stdin/stdout/stderr on a pseudo-terminal, as a person at a terminal would."""
    master, slave = os.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=10)
    finally:
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")
