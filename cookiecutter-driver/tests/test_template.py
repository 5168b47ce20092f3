"""The template as a driver author uses it: bake, pip install beside the core, test, run minikube.

Every combination that matters is baked (builtin/external x a platform that is this machine's
and one that is not); each is installed into its own fresh venv from a wheelhouse, runs its own
tests there (which use the conformance kit), and is driven through the real ``minikube``
console script.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATE
from cookiecutter.exceptions import FailedHookException
from minikube import DRIVER_API_VERSION, __version__
from minikube.registry import Priority, current_platform, supports
from minikube.testing import MinikubeCLI, Venv
from minikube.testing._check_def import DRIVER_NAME_RE

sys.path.insert(0, str(TEMPLATE))
import local_extensions  # noqa: E402  (the template's Jinja helpers, as cookiecutter loads them)

NASTY = "it's\\"  # a quote and a backslash: the hook must still parse, and refuse it

VARIANTS = [
    pytest.param({}, id="defaults"),
    pytest.param({"driver_name": "mac-vm", "platforms": "darwin/amd64", "priority": "Default"}, id="builtin-darwin"),
    pytest.param({"driver_name": "ext", "kind": "external", "priority": "Preferred"}, id="external-linux"),
    pytest.param({"driver_name": "ext-mac", "kind": "external", "platforms": "darwin/amd64"}, id="external-darwin"),
]


def answers(given: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    first = {k: (v[0] if isinstance(v, list) else v) for k, v in doc.items() if not k.startswith("_")}
    return {**first, **given}


# --- what is baked --------------------------------------------------------------------------------

def test_defaults_bake_a_complete_builtin_package(bake: Any) -> None:
    project = bake()
    assert project.name == "minikube-driver-foo"
    files = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    pkg = "src/minikube_driver_foo"
    assert files == {"LICENSE", "README.md", "pyproject.toml", "tests/test_conformance.py", "tests/test_driver.py",
                     *(f"{pkg}/{f}" for f in ("__init__.py", "registration.py", "driver.py", "_machine.py",
                                               "minikube-driver.toml", "py.typed"))}
    import tomllib

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "minikube-driver-foo"
    assert pyproject["project"]["entry-points"]["minikube.drivers"] == {"foo": "minikube_driver_foo.registration:DRIVER"}
    major = int(__version__.split(".")[0])
    assert pyproject["project"]["dependencies"] == [f"minikube>={__version__},<{major + 1}"]
    assert "scripts" not in pyproject["project"]
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    declared = tomllib.loads((project / pkg / "minikube-driver.toml").read_text())["drivers"]["foo"]
    major, minor = DRIVER_API_VERSION.split(".")
    reasons = declared.pop("reasons")
    assert declared == {"aliases": [], "builtin": True, "default": False, "priority": "Experimental",
                        "platforms": ["linux/amd64"], "api": f">={major}.{minor},<{int(major) + 1}",
                        "summary": declared["summary"], "capabilities": {"parallel": True, "no_ssh": True}}
    assert list(reasons) == ["PR_FOO_MACHINE_DIR"]
    reason = reasons["PR_FOO_MACHINE_DIR"]
    assert (reason["exit_code"], reason["doc"]) == (67, "https://example.com/minikube-driver-foo#reasons") and reason["fix"]
    registration = (project / pkg / "registration.py").read_text()
    assert "DRIVER = DriverDef.declared(__package__, config=configure, init=FooDriver, status=status)" in registration
    assert "def configure(cluster: ClusterConfig) -> FooDriver:" in registration
    assert "def status() -> Health:" in registration and "State" not in registration
    assert "driver_options" not in registration.replace("``cluster.driver_options``", "")
    driver = (project / pkg / "driver.py").read_text()
    assert 'cpu: int = json_field("CPU", 1)' in driver and "cpus" not in driver
    assert 'raise DriverError(f"cannot write the machine directory' in driver and "reason_id=MACHINE_DIR" in driver
    readme = (project / "README.md").read_text()
    for hook in ("entry point", "metadata", "capabilities", "reasons", "`DriverDef`", "config creator", "health check",
                 "create flags", "`init`"):
        assert f"| {hook} |" in readme, hook
    assert "{{" not in readme and "{%" not in readme


def test_external_variant_declares_its_plugin_binary(bake: Any) -> None:
    project = bake(driver_name="my-vm", kind="external", platforms="any", priority="HighlyPreferred")
    import tomllib

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"docker-machine-driver-my-vm": "minikube_driver_my_vm.plugin:main"}
    declared = tomllib.loads((project / "src/minikube_driver_my_vm/minikube-driver.toml").read_text())["drivers"]["my-vm"]
    assert (declared["builtin"], declared["default"], declared["platforms"]) == (False, True, [])
    assert declared["priority"] == "HighlyPreferred" and "PR_MY_VM_MACHINE_DIR" in declared["reasons"]
    registration = (project / "src/minikube_driver_my_vm/registration.py").read_text()
    assert "DRIVER = DriverDef.declared(__package__, config=configure, status=status)" in registration
    assert "init=" not in registration
    assert "class MyVmDriver(BaseDriver)" in (project / "src/minikube_driver_my_vm/driver.py").read_text()
    assert "| plugin binary |" in (project / "README.md").read_text()


@pytest.mark.parametrize("core_api, want", [("1.5", ">=1.5,<2"), ("1.4", ">=1.5,<2"), ("1.2", ">=1.5,<2"),
                                            ("1.7", ">=1.7,<2"), ("2.0", ">=2.0,<3")])
def test_api_range_is_the_cores_but_never_below_what_the_template_needs(
        monkeypatch: pytest.MonkeyPatch, core_api: str, want: str) -> None:
    """The baked toml declares no_ssh (driver API 1.5) and its configure reads
    ClusterConfig.machine_name (1.4): a package baked beside an older core still declares >=1.5, so
    no core without them loads the driver (and minikube reads it as built for readiness)."""
    import minikube

    monkeypatch.setattr(minikube, "DRIVER_API_VERSION", core_api)
    assert local_extensions.driver_api_range() == want


def test_questions_follow_the_core() -> None:
    """Priority choices are the registry's; the fallbacks and the name rule equal the core's."""
    doc = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert set(doc["priority"]) == {p.label for p in Priority} - {"Unknown", "Unhealthy"}
    assert local_extensions.FALLBACK_CORE_VERSION == __version__
    assert local_extensions.FALLBACK_DRIVER_API == DRIVER_API_VERSION
    assert local_extensions.TEMPLATE_DRIVER_API == "1.5" and local_extensions.driver_api_range().startswith(">=1.")
    hook = (TEMPLATE / "hooks" / "pre_gen_project.py").read_text()
    assert f'NAME_RE = re.compile(r"{DRIVER_NAME_RE.pattern}")' in hook
    assert set(doc["kind"]) == {"builtin", "external"}
    assert all(all(re.fullmatch(r"[a-z]+/[a-z0-9]+", p) for p in local_extensions.platform_list(c))
               for c in doc["platforms"])


# --- invalid answers ------------------------------------------------------------------------------

@pytest.mark.parametrize("answers_, complaint", [
    ({"driver_name": "Foo"}, "invalid driver name 'Foo'"),
    ({"driver_name": "my_vm"}, "invalid driver name 'my_vm'"),
    ({"driver_name": "-vm"}, "invalid driver name '-vm'"),
    ({"driver_name": "vm-"}, "invalid driver name 'vm-'"),
    ({"driver_name": "a--b"}, "invalid driver name 'a--b'"),
    ({"driver_name": "2vm"}, "invalid driver name '2vm'"),
    ({"driver_name": "my vm"}, "invalid driver name 'my vm'"),
    ({"driver_name": "../evil"}, "invalid driver name '../evil'"),
    ({"driver_name": ""}, "invalid driver name ''"),
    ({"driver_name": 'x"; import os'}, """invalid driver name 'x"; import os'"""),
    ({"driver_name": NASTY}, f"invalid driver name {NASTY!r}"),
    ({"driver_name": "x" * 41}, f"invalid driver name {'x' * 41!r}: at most 40 characters"),
    ({"driver_name": "minikube"}, "the driver name 'minikube' is taken: that is minikube itself"),
    ({"driver_name": "minikube-vm"}, "the driver name 'minikube-vm' is taken: names starting with minikube- clash"),
    ({"driver_name": "kvm2"}, "the driver name 'kvm2' is taken: minikube-driver-kvm2 provides it"),
    ({"driver_name": "qemu"}, "the driver name 'qemu' is taken: it is an alias of qemu2 (minikube-driver-qemu2)"),
    ({"min_core_version": "latest"}, "invalid minimum core version 'latest'"),
    ({"min_core_version": "0.1.9"}, "minimum core version '0.1.9' is too old: the package uses driver API 1.5"),
    ({"min_core_version": "0.5.0"}, "minimum core version '0.5.0' is too old: the package uses driver API 1.5 "
                                    "(its minikube-driver.toml declares no_ssh), which needs minikube >= 0.6.0"),
])
def test_invalid_answers_are_refused_and_nothing_is_generated(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], answers_: dict[str, str], complaint: str) -> None:
    from cookiecutter.main import cookiecutter

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), extra_context=answers_)
    err = capfd.readouterr().err
    assert f"ERROR: {complaint}" in err and "Nothing was generated." in err, err
    assert list(out.iterdir()) == [] and list(tmp_path.iterdir()) == [out]


def test_invalid_name_from_the_command_line_exits_non_zero(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE),
                        "driver_name=Bad_Name"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    assert "ERROR: invalid driver name 'Bad_Name'" in p.stderr
    assert list(tmp_path.iterdir()) == []


# --- baked, installed, tested, run ----------------------------------------------------------------

def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: /proc says Z (Linux); elsewhere `ps` does
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
        return bool(out.strip()) and not out.strip().startswith("Z")


@pytest.mark.parametrize("given", VARIANTS)
def test_baked_package_installs_passes_its_tests_and_runs_minikube(
        bake: Any, venv: Venv, tmp_path: Path, given: dict[str, Any]) -> None:
    ans = answers(given)
    name, kind = ans["driver_name"], ans["kind"]
    platforms = tuple(local_extensions.platform_list(ans["platforms"]))
    project = bake(**given)

    venv.install(project, "pytest")
    tests = venv.run("pytest", str(project / "tests"), "-p", "no:cacheprovider", "-q", "-rs",
                     "--rootdir", str(project), env={"XDG_CACHE_HOME": str(tmp_path / "xdg")}, timeout=600)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    summary = tests.stdout.strip().splitlines()[-1]
    # 12 conformance tests (the plugin-binary one skipped for builtin drivers; the nodes one and
    # ready-on-return for every variant: the template declares no multinode, and no_ssh) + the
    # skeleton's own
    want = "18 passed, 2 skipped in " if kind == "external" else "16 passed, 3 skipped in "
    assert summary.startswith(want), tests.stdout
    assert f'"{name}" does not declare multinode' in tests.stdout, tests.stdout
    assert f'"{name}" declares no_ssh = true (its machines run no SSH server): minikube start does not wait' in tests.stdout

    home = tmp_path / "home"
    mk = MinikubeCLI(venv, home)
    row = mk.drivers()[name]
    here = supports(platforms)
    assert (row["distribution"], row["type"], row["platforms"], row["supported"], row["priority"], row["status"]) == (
        f"minikube-driver-{name}", kind, list(platforms), here, ans["priority"], "ok")
    assert row["capabilities"] == {"mounts": [], "multinode": False, "parallel": True, "needs_root": False, "boot_image": False,
                                   "no_ssh": True}
    reason_id = f"PR_{local_extensions.env_prefix(name)}_MACHINE_DIR"
    assert [(r["id"], r["exit_code"]) for r in row["reasons"]] == [(reason_id, 67)]
    if kind == "external":
        assert (venv.bin / f"docker-machine-driver-{name}").is_file()

    if not here:
        p = mk.fails(["start", "--driver", name], "DRV_UNSUPPORTED_OS", 56)
        assert f"Exiting due to DRV_UNSUPPORTED_OS: The driver '{name}' is not supported on {current_platform()}" in p.stderr
        assert not (home / "machines").exists()
        return

    mk.ok("start", "--driver", name, f"--{name}-labels", "a,b")
    vm_dir = home / "machines" / "minikube" / name
    assert json.loads((vm_dir / "machine.json").read_text())["labels"] == ["a", "b"]
    host = json.loads((home / "machines" / "minikube" / "config.json").read_text())
    assert host["DriverName"] == name and host["Driver"]["MachineName"] == "minikube"
    pid = int((vm_dir / "machine.pid").read_text())
    assert pid_alive(pid)
    assert "host: Running" in mk.ok("status").stdout
    assert mk.ok("ip").stdout.strip() == "127.0.0.1"
    mk.ok("stop")
    stopped = mk("status")
    assert stopped.returncode == 7 and "host: Stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert not pid_alive(pid)
    mk.ok("start")
    assert "host: Running" in mk.ok("status").stdout
    pid = int((vm_dir / "machine.pid").read_text())
    mk.ok("delete")
    assert not (home / "machines" / "minikube").exists() and not pid_alive(pid)

    # The driver's own reason, through the real command: a file where the machine's directory goes.
    blocker = home / "machines" / "minikube" / name
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    # (for an external driver it is raised in the plugin process: the reason ID crosses the wire too)
    p = mk.fails(["start", "--driver", name], reason_id, 67)
    assert row["reasons"][0]["fix"] in p.stderr, p.stderr
    assert f"cannot write the machine directory {blocker}: {blocker} is not a directory" in p.stderr, p.stderr
    assert not (home / "machines" / "minikube" / "config.json").exists() and blocker.read_text() == "in the way"
    blocker.unlink()

    if kind == "external":  # it really is the plugin binary that minikube runs
        (venv.bin / f"docker-machine-driver-{name}").rename(tmp_path / "hidden")
        p = mk.fails(["start", "--driver", name], "DRV_PLUGIN_NOT_FOUND", 55)
        assert f'Driver "{name}" not found. Do you have the plugin binary "docker-machine-driver-{name}"' in p.stderr
