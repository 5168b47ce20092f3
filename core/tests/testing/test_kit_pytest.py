"""The kit as driver authors use it: pytest runs, builtin and through a real plugin process.

Each run is a separate ``python -m pytest`` so the driver packages, PATH and the plugin load
(entry point ``pytest11``) are exactly what a driver's own test run sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kit_sites import TOML, Site
from minikube.testing import Venv, Wheelhouse
from minikube.testing._contracts import DOCS

FAKE_SOURCE = "from minikube.testing import FAKE_DEF as DRIVER\n"

# An external fake: the def has no init, the driver runs in docker-machine-driver-plugfake.  Its
# not-found error uses libmachine's wording, which survives the plugin protocol (errors travel as
# strings there).
PLUGFAKE_SOURCE = """\
import dataclasses

from minikube import MachineNotFoundError
from minikube.testing import FAKE_DEF, FakeDriver


@dataclasses.dataclass
class PlugFake(FakeDriver):
    def driver_name(self) -> str:
        return "plugfake"

    def _need(self) -> None:
        if not self.exists:
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"')


def config(cfg):
    return PlugFake(machine_name=cfg.name, store_path=cfg.store_path, cpus=cfg.cpus, memory=cfg.memory)


DRIVER = dataclasses.replace(FAKE_DEF, name="plugfake", init=None, config=config)
"""
PLUGFAKE_SCRIPT = """\
from minikube.machine.plugin import serve
from minikube_driver_plugfake import PlugFake
serve(PlugFake(), version="v1.0.0")
"""

BROKEN_SOURCE = """\
import dataclasses

from minikube.machine import State
from minikube.testing import FAKE_DEF, FakeDriver


class NeverRuns(FakeDriver):
    def driver_name(self) -> str:
        return "broken"

    def create(self) -> None:
        self.exists = True
        self.state = int(State.STOPPED)


def config(cfg):
    return NeverRuns(machine_name=cfg.name, store_path=cfg.store_path)


DRIVER = dataclasses.replace(FAKE_DEF, name="broken", init=NeverRuns, config=config)
"""


def run_pytest(site: Site, where: Path, *args: str, test: str | None = None) -> subprocess.CompletedProcess[str]:
    where.mkdir(exist_ok=True)
    if test is not None:
        (where / "test_conformance.py").write_text(textwrap.dedent(test))
    env = {**os.environ, "PYTHONPATH": str(site.path), "MINIKUBE_NO_DRIVER_CACHE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args],
                          cwd=where, env=env, capture_output=True, text=True, timeout=600)


def outcome(p: subprocess.CompletedProcess[str]) -> str:
    return p.stdout.strip().splitlines()[-1].strip("= ")


def test_fake_passes_as_a_driver_author_runs_it(site: Site, tmp_path: Path) -> None:
    site.add_driver("fake", FAKE_SOURCE)
    p = run_pytest(site, tmp_path / "t", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            driver = "fake"
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    assert outcome(p).startswith("9 passed, 3 skipped"), p.stdout
    assert '"fake" is builtin (its DriverDef has init): no plugin binary' in p.stdout
    assert ('"fake" declares api = ">=1.0,<2", which admits driver API 1.4: minikube start keeps the behaviour of '
            "drivers built before driver API 1.5 for it and does not wait for its machines to answer SSH") in p.stdout
    assert '"fake" does not declare multinode (one machine per profile: minikube refuses --nodes 2 and node add ' in p.stdout


def test_ready_made_suite_with_the_driver_named_on_the_command_line(site: Site, tmp_path: Path) -> None:
    site.add_driver("fake", FAKE_SOURCE)
    p = run_pytest(site, tmp_path / "t", "-v", "--pyargs", "minikube.testing.suite", "--minikube-driver", "fake")
    assert p.returncode == 0, p.stdout + p.stderr
    assert outcome(p).startswith("9 passed, 3 skipped"), p.stdout
    assert "driver under test: fake" in p.stdout


def test_a_multinode_driver_has_its_nodes_checked(site: Site, tmp_path: Path) -> None:
    """Declaring multinode turns the nodes check on: builtin one node after the other, and through two
    plugin processes at once (parallel)."""
    def toml(name: str, builtin: str, capabilities: str) -> str:
        return TOML.format(name=name, aliases="[]", builtin=builtin, default="true", priority="Fallback",
                           platforms="[]", api=">=1.4,<2", summary="test") + f"[drivers.{name}.capabilities]\n{capabilities}\n"

    site.add_driver("fake", FAKE_SOURCE, toml=toml("fake", "true", "multinode = true"))
    site.add_driver("plugfake", PLUGFAKE_SOURCE.replace("machine_name=cfg.name", "machine_name=cfg.machine_name"),
                    toml=toml("plugfake", "false", "multinode = true\nparallel = true"), console_script=PLUGFAKE_SCRIPT)
    for name in ("fake", "plugfake"):
        p = run_pytest(site, tmp_path / name, "-k", "nodes_distinct", test=f"""
            from minikube.testing import DriverConformance

            class TestConformance(DriverConformance):
                driver = "{name}"
            """)
        assert p.returncode == 0, p.stdout + p.stderr
        assert outcome(p).startswith("1 passed, 11 deselected"), p.stdout  # run, not skipped


def test_driver_named_in_the_ini(site: Site, tmp_path: Path) -> None:
    site.add_driver("fake", FAKE_SOURCE)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "pytest.ini").write_text("[pytest]\nminikube_driver = fake\n")
    p = run_pytest(site, tmp_path / "t", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            pass
        """)
    assert p.returncode == 0 and outcome(p).startswith("9 passed, 3 skipped"), p.stdout + p.stderr


def test_no_driver_named_is_a_clear_failure(site: Site, tmp_path: Path) -> None:
    p = run_pytest(site, tmp_path / "t", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            pass
        """)
    assert p.returncode == 1
    assert "name the driver under test: set `driver = \"<name>\"`" in p.stdout


def test_broken_driver_reports_the_contract_and_its_docs(site: Site, tmp_path: Path) -> None:
    site.add_driver("broken", BROKEN_SOURCE)
    p = run_pytest(site, tmp_path / "t", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            driver = "broken"
            timeout = 1
        """)
    assert p.returncode == 1, p.stdout + p.stderr
    assert outcome(p).startswith("2 failed, 7 passed, 3 skipped"), p.stdout
    assert f"contract: create -> Running (docs: {DOCS}#contract-create-running)" in p.stdout
    assert f"contract: the minikube lifecycle through the host store (docs: {DOCS}#contract-store-lifecycle)" in p.stdout
    summary = p.stdout.split("broken driver contracts")[1]
    assert f"create -> Running: {DOCS}#contract-create-running  (test_conformance.py::TestConformance::test_lifecycle)" in summary


def test_lifecycle_skipped_where_unsupported_unless_the_backend_runs_anywhere(site: Site, tmp_path: Path) -> None:
    other = "darwin/amd64" if sys.platform != "darwin" else "linux/amd64"
    site.add_driver("elsewhere", FAKE_SOURCE.replace("FAKE_DEF as DRIVER", "FAKE_DEF, FakeDriver") + textwrap.dedent(f"""
        import dataclasses

        class Elsewhere(FakeDriver):
            def driver_name(self):
                return "elsewhere"

        DRIVER = dataclasses.replace(FAKE_DEF, name="elsewhere", init=Elsewhere, platforms=({other!r},),
                                     config=lambda cfg: Elsewhere(machine_name=cfg.name, store_path=cfg.store_path))
        """), platforms=f'["{other}"]')
    test = """
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            driver = "elsewhere"
            backend_runs_anywhere = {}
        """
    p = run_pytest(site, tmp_path / "a", test=test.format(False))
    assert p.returncode == 0 and outcome(p).startswith("6 passed, 6 skipped"), p.stdout + p.stderr
    assert f'the "elsewhere" driver supports {other}, not ' in p.stdout
    p = run_pytest(site, tmp_path / "b", test=test.format(True))
    assert p.returncode == 0 and outcome(p).startswith("9 passed, 3 skipped"), p.stdout + p.stderr


def test_external_driver_is_checked_through_its_plugin_process(site: Site, tmp_path: Path) -> None:
    site.add_driver("plugfake", PLUGFAKE_SOURCE, builtin="false", console_script=PLUGFAKE_SCRIPT)
    p = run_pytest(site, tmp_path / "t", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            driver = "plugfake"
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    assert outcome(p).startswith("10 passed, 2 skipped"), p.stdout


def test_fake_driver_not_found_error_survives_the_plugin_protocol(site: Site, tmp_path: Path) -> None:
    """The unmodified FakeDriver as a plugin: its "Host does not exist" comes back typed."""
    site.add_driver("plugfake", PLUGFAKE_SOURCE.replace("def _need", "def _unused_need"), builtin="false",
                    console_script=PLUGFAKE_SCRIPT)
    p = run_pytest(site, tmp_path / "t", "-k", "missing_machine", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            driver = "plugfake"
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    assert outcome(p).startswith("1 passed"), p.stdout


@pytest.mark.parametrize("script, complaint", [
    ("print('hello')\n", "run without MACHINE_PLUGIN_TOKEN exited 0"),
    ("import sys\nif sys.argv[1:] == ['version']:\n    print('v1')\nelse:\n" + textwrap.indent(PLUGFAKE_SCRIPT, "    "),
     "want 'version: vX.Y.Z'"),
])
def test_broken_plugin_binary_fails_its_contract(site: Site, tmp_path: Path, script: str, complaint: str) -> None:
    site.add_driver("plugfake", PLUGFAKE_SOURCE, builtin="false", console_script=script)
    p = run_pytest(site, tmp_path / "t", "-k", "plugin_binary", test="""
        from minikube.testing import DriverConformance

        class TestConformance(DriverConformance):
            driver = "plugfake"
        """)
    assert p.returncode == 1, p.stdout + p.stderr
    assert complaint in p.stdout
    assert f"contract: an external driver's plugin binary speaks libmachine's protocol (docs: {DOCS}#contract-plugin-binary)" in p.stdout


def test_the_kit_in_a_venv_with_a_pip_installed_driver(wheelhouse: Wheelhouse, tmp_path: Path) -> None:
    """The real thing: pip install the core, pytest and the fake distribution; run the ready-made suite."""
    Wheelhouse.build(wheelhouse.path, extra=("pytest",))
    venv = Venv.create(tmp_path / "venv", wheelhouse)
    venv.install("minikube", "pytest", Path(__file__).resolve().parents[1] / "dists" / "minikube-driver-fake")
    (tmp_path / "work").mkdir()
    p = venv.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "--pyargs", "minikube.testing.suite",
                 "--minikube-driver", "fake", "--rootdir", str(tmp_path / "work"),
                 env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert p.returncode == 0, p.stdout + p.stderr
    # the packaged fake declares multinode (and parallel): its nodes are checked too
    assert p.stdout.strip().splitlines()[-1].startswith("10 passed, 2 skipped"), p.stdout


# --- ready-on-return: for a driver minikube waits for (driver API 1.5, no no_ssh) ---------------------

GUEST_SOURCE = """\
import dataclasses

from minikube.testing import FAKE_DEF
from ssh_guests import SSHGuestDriver


class Guest(SSHGuestDriver):
    def driver_name(self) -> str:
        return "guest"


DRIVER = dataclasses.replace(FAKE_DEF, name="guest", init=Guest,
                             config=lambda cfg: Guest(machine_name=cfg.name, store_path=cfg.store_path))
"""

# The driver's tests give it a backend: SSH guests on 127.0.0.1 (ssh_guests.py) for its machines.
GUEST_TEST = """
import pytest
import ssh_guests
from minikube.testing import DriverConformance


class TestConformance(DriverConformance):
    driver = "guest"
    timeout = 30
    guest_ssh = {guest_ssh}

    @pytest.fixture
    def driver_backend(self):
        guests = ssh_guests.Guests()
        ssh_guests.use(guests)
        yield
        ssh_guests.use(None)
        guests.close()
"""


def add_guest_driver(site: Site, capabilities: str = "") -> None:
    (site.path / "ssh_guests.py").write_text((Path(__file__).parent / "ssh_guests.py").read_text())
    toml = TOML.format(name="guest", aliases="[]", builtin="true", default="true", priority="Fallback",
                       platforms="[]", api=">=1.5,<2", summary="test driver guest")
    site.add_driver("guest", GUEST_SOURCE, toml=toml + (f"[drivers.guest.capabilities]\n{capabilities}\n"
                                                        if capabilities else ""))


def test_ready_on_return_runs_for_a_driver_built_for_driver_api_1_5(site: Site, tmp_path: Path) -> None:
    """Its machines answer real SSH (asyncssh on 127.0.0.1): every check passes, ready-on-return included."""
    add_guest_driver(site)
    p = run_pytest(site, tmp_path / "t", "-rA", test=GUEST_TEST.format(guest_ssh=True))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "PASSED test_conformance.py::TestConformance::test_ready_on_return" in p.stdout, p.stdout
    # skipped: nodes (not multinode), plugin (builtin), and the store lifecycle, which ready-on-return
    # checks on its own machine (one boot sequence for both)
    assert outcome(p).startswith("9 passed, 3 skipped"), p.stdout
    assert "checked by test_ready_on_return, on the same machine" in p.stdout, p.stdout


def test_ready_on_return_is_skipped_for_a_backend_without_guest_ssh(site: Site, tmp_path: Path) -> None:
    add_guest_driver(site)
    p = run_pytest(site, tmp_path / "t", test=GUEST_TEST.format(guest_ssh=False))
    assert p.returncode == 0, p.stdout + p.stderr
    assert outcome(p).startswith("9 passed, 3 skipped"), p.stdout
    assert ("guest_ssh = False: the guests of this test backend run no SSH server (a stand-in hypervisor), so whether "
            'minikube start returns when a "guest" machine answers SSH is not checked here (minikube start still '
            "waits for it)") in p.stdout


def test_ready_on_return_is_skipped_for_a_driver_that_declares_no_ssh(site: Site, tmp_path: Path) -> None:
    add_guest_driver(site, "no_ssh = true")
    p = run_pytest(site, tmp_path / "t", test=GUEST_TEST.format(guest_ssh=True))
    assert p.returncode == 0, p.stdout + p.stderr
    assert outcome(p).startswith("9 passed, 3 skipped"), p.stdout
    assert ('"guest" declares no_ssh = true (its machines run no SSH server): minikube start does not wait for them '
            "to answer SSH, so there is no readiness to check") in p.stdout
