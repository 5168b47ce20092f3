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
from minikube.testing import Venv
from minikube.testing._checks import DRIVER_NAME_RE

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
                     *(f"{pkg}/{f}" for f in ("__init__.py", "shim.py", "driver.py", "_machine.py",
                                               "minikube-driver.toml", "py.typed"))}
    import tomllib

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "minikube-driver-foo"
    assert pyproject["project"]["entry-points"]["minikube.drivers"] == {"foo": "minikube_driver_foo.shim:DRIVER"}
    major = int(__version__.split(".")[0])
    assert pyproject["project"]["dependencies"] == [f"minikube>={__version__},<{major + 1}"]
    assert "scripts" not in pyproject["project"]
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    declared = tomllib.loads((project / pkg / "minikube-driver.toml").read_text())["drivers"]["foo"]
    major, minor = DRIVER_API_VERSION.split(".")
    assert declared == {"aliases": [], "builtin": True, "default": False, "priority": "Experimental",
                        "platforms": ["linux/amd64"], "api": f">={major}.{minor},<{int(major) + 1}",
                        "summary": declared["summary"]}
    readme = (project / "README.md").read_text()
    for hook in ("entry point", "metadata", "`DriverDef`", "config creator", "health check", "create flags", "`init`"):
        assert f"| {hook} |" in readme, hook
    assert "{{" not in readme and "{%" not in readme


def test_external_variant_declares_its_plugin_binary(bake: Any) -> None:
    project = bake(driver_name="my-vm", kind="external", platforms="any", priority="HighlyPreferred")
    import tomllib

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"docker-machine-driver-my-vm": "minikube_driver_my_vm.plugin:main"}
    declared = tomllib.loads((project / "src/minikube_driver_my_vm/minikube-driver.toml").read_text())["drivers"]["my-vm"]
    assert (declared["builtin"], declared["default"], declared["platforms"]) == (False, True, [])
    shim = (project / "src/minikube_driver_my_vm/shim.py").read_text()
    assert "init=None," in shim and "priority=Priority.HIGHLY_PREFERRED," in shim and "platforms=()," in shim
    assert "class MyVmDriver(BaseDriver)" in (project / "src/minikube_driver_my_vm/driver.py").read_text()
    assert "| plugin binary |" in (project / "README.md").read_text()


def test_questions_follow_the_core() -> None:
    """Priority choices are the registry's; the fallbacks and the name rule equal the core's."""
    doc = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert set(doc["priority"]) == {p.label for p in Priority} - {"Unknown", "Unhealthy"}
    assert local_extensions.FALLBACK_CORE_VERSION == __version__
    assert local_extensions.FALLBACK_DRIVER_API == DRIVER_API_VERSION
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
    ({"min_core_version": "latest"}, "invalid minimum core version 'latest'"),
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

def minikube(venv: Venv, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return venv.minikube(*args, env={"MINIKUBE_HOME": str(home), "XDG_CACHE_HOME": str(home.parent / "xdg")},
                         timeout=300)


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
    # 9 conformance tests (the plugin-binary one skipped for builtin drivers) + the skeleton's own
    want = "15 passed in " if kind == "external" else "13 passed, 1 skipped in "
    assert summary.startswith(want), tests.stdout

    home = tmp_path / "home"
    listing = minikube(venv, home, "drivers", "list", "-o", "json")
    assert listing.returncode == 0, listing.stderr
    row = {r["name"]: r for r in json.loads(listing.stdout)}[name]
    here = supports(platforms)
    assert (row["distribution"], row["type"], row["platforms"], row["supported"], row["priority"], row["status"]) == (
        f"minikube-driver-{name}", kind, list(platforms), here, ans["priority"], "ok")
    if kind == "external":
        assert (venv.bin / f"docker-machine-driver-{name}").is_file()

    if not here:
        p = minikube(venv, home, "start", "--driver", name)
        assert p.returncode == 56, p.stdout + p.stderr
        assert f"Exiting due to DRV_UNSUPPORTED_OS: The driver '{name}' is not supported on {current_platform()}" in p.stderr
        assert not (home / "machines").exists()
        return

    def ok(*args: str) -> subprocess.CompletedProcess[str]:
        p = minikube(venv, home, *args)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return p

    ok("start", "--driver", name, f"--{name}-labels", "a,b")
    vm_dir = home / "machines" / "minikube" / name
    assert json.loads((vm_dir / "machine.json").read_text())["labels"] == ["a", "b"]
    host = json.loads((home / "machines" / "minikube" / "config.json").read_text())
    assert host["DriverName"] == name and host["Driver"]["MachineName"] == "minikube"
    pid = int((vm_dir / "machine.pid").read_text())
    assert pid_alive(pid)
    assert "host: Running" in ok("status").stdout
    assert ok("ip").stdout.strip() == "127.0.0.1"
    ok("stop")
    stopped = minikube(venv, home, "status")
    assert stopped.returncode == 7 and "host: Stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert not pid_alive(pid)
    ok("start")
    assert "host: Running" in ok("status").stdout
    pid = int((vm_dir / "machine.pid").read_text())
    ok("delete")
    assert not (home / "machines" / "minikube").exists() and not pid_alive(pid)

    if kind == "external":  # it really is the plugin binary that minikube runs
        (venv.bin / f"docker-machine-driver-{name}").rename(tmp_path / "hidden")
        p = minikube(venv, home, "start", "--driver", name)
        assert p.returncode == 55, p.stdout + p.stderr
        assert f'Driver "{name}" not found. Do you have the plugin binary "docker-machine-driver-{name}"' in p.stderr
