"""The conformance kit's pytest face: subclass :class:`DriverConformance` and name your driver.

::

    # tests/test_conformance.py of minikube-driver-foo (installed: pip install -e .)
    from minikube.testing import DriverConformance

    class TestConformance(DriverConformance):
        driver = "foo"

Every check is a test method; a broken contract fails with a message ending in
``contract: <title> (docs: <url>)``.  See the driver author's guide for each contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ..config import ClusterConfig
from ..registry import current_platform
from ._check_config import check_flags, check_shares
from ._check_def import check_def, check_discovery, check_health
from ._check_lifecycle import check_lifecycle, check_missing_machine, check_store_lifecycle
from ._check_nodes import check_nodes
from ._check_plugin import check_plugin_binary
from ._check_ready import ssh_wait_skipped
from ._subject import DriverUnderTest, default_cluster


def use_minikube_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private MINIKUBE_HOME (and driver-index cache) for one test."""
    home = tmp_path / "minikube-home"
    home.mkdir()
    monkeypatch.setenv("MINIKUBE_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return home


class DriverConformance:
    """The driver contracts as pytest tests.  Configure by class attributes (all optional but ``driver``).

    ``driver``
        The name under test.  Empty: the ``--minikube-driver`` option or the ``minikube_driver``
        ini setting.
    ``plugin_executable``
        External drivers: the plugin binary to run.  Default: ``docker-machine-driver-<name>``,
        found as minikube finds it (PATH, then beside the running interpreter).
    ``backend_runs_anywhere``
        True when the backend the tests use (a stand-in, or a local process) runs on any OS, so
        the lifecycle checks run even where the driver's ``platforms`` exclude this machine.
        Otherwise they are skipped there, saying so.
    ``timeout``
        Seconds a machine may take to reach the state an action promises: the bound of minikube's
        own wait after ``create()``, ``start()``... (:func:`minikube.machine.run_action`), after
        which the kit asks the state once.
    ``driver_options``
        Values for the driver's create flags (``{"foo-boot-delay": 1}``), over their defaults.
    ``guest_ssh``
        False when the guests of the backend the tests use run no SSH server (a stand-in
        hypervisor that boots nothing): the ready-on-return check, which logs into the machine
        over SSH, is then skipped, saying so.  The driver's real machines must still answer SSH
        (minikube start waits for them); run the check where a real backend is.

    Override :meth:`cluster_config` to tune what the config creator gets (an ISO path, memory),
    the ``driver_backend`` fixture to start a stand-in backend for the tests, and
    :meth:`guest_network` when the guests live on a network only a test namespace reaches.
    """

    driver: ClassVar[str] = ""
    plugin_executable: ClassVar[str | None] = None
    backend_runs_anywhere: ClassVar[bool] = False
    timeout: ClassVar[float] = 120.0
    driver_options: ClassVar[dict[str, Any]] = {}
    guest_ssh: ClassVar[bool] = True

    def cluster_config(self, driver: str, home: Path, machine: str) -> ClusterConfig:
        """What ``minikube start`` would hand the config creator; small by default."""
        return default_cluster(driver, home, machine)

    def guest_network(self) -> AbstractContextManager[None]:
        """Where the checks that reach a guest from the test process run (minikube's wait for SSH,
        one SSH command).  Default: here.  A driver whose test guests live on a network inside a
        test namespace returns ``minikube.testing.network_namespace(NAME)``, so no packet to a
        guest leaves it."""
        return nullcontext()

    @pytest.fixture
    def driver_backend(self) -> Iterator[None]:
        """Override to provide the backend (e.g. stand-in executables on PATH) for every check."""
        yield

    @pytest.fixture
    def driver_under_test(self, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          driver_backend: None) -> DriverUnderTest:
        name = (self.driver or request.config.getoption("minikube_driver", None)
                or request.config.getini("minikube_driver"))
        if not name:
            pytest.fail("name the driver under test: set `driver = \"<name>\"` on your DriverConformance "
                        "subclass, or `minikube_driver = <name>` in the pytest ini, or pass --minikube-driver",
                        pytrace=False)
        home = use_minikube_home(tmp_path, monkeypatch)
        return DriverUnderTest(name=name, home=home, executable=self.plugin_executable,
                               cluster_config=self.cluster_config, options=dict(self.driver_options),
                               timeout=self.timeout)

    def _require_lifecycle(self, subject: DriverUnderTest) -> None:
        d = subject.definition
        if not d.supported() and not self.backend_runs_anywhere:
            pytest.skip(f'the "{d.name}" driver supports {", ".join(d.platforms)}, not {current_platform()}; '
                        "set backend_runs_anywhere = True if the tests' backend runs here")
        st = check_health(d, subject.health_timeout)
        if not (st.installed and st.healthy):
            pytest.fail(f'the "{d.name}" driver\'s health check says it cannot run here '
                        f"({st.error}; fix: {st.fix}), so its machines cannot be tested: install the backend, "
                        "or give the tests a stand-in one (override the driver_backend fixture)", pytrace=False)

    # --- the definition -------------------------------------------------------------------------

    def test_def_is_valid(self, driver_under_test: DriverUnderTest) -> None:
        check_def(driver_under_test.definition)

    def test_discovery_and_metadata(self, driver_under_test: DriverUnderTest) -> None:
        info, d = check_discovery(driver_under_test.name)
        assert d.name == info.name == driver_under_test.name

    def test_health_returns_state(self, driver_under_test: DriverUnderTest) -> None:
        check_health(driver_under_test.definition, driver_under_test.health_timeout)

    def test_create_flags(self, driver_under_test: DriverUnderTest) -> None:
        driver = driver_under_test.new_driver()
        try:
            check_flags(driver)
        finally:
            driver.close()

    def test_config_round_trip(self, driver_under_test: DriverUnderTest) -> None:
        driver_under_test.configured(driver_under_test.machine_name())

    def test_shares_kept(self, driver_under_test: DriverUnderTest) -> None:
        """One share per declared kind (none declared: the config round trip of a cluster without)."""
        d = driver_under_test.definition
        check_shares(d, driver_under_test.new_driver, driver_under_test.cluster(driver_under_test.machine_name()),
                     driver_under_test.store, driver_under_test.options)

    # --- the machine ------------------------------------------------------------------------------

    def test_lifecycle(self, driver_under_test: DriverUnderTest) -> None:
        self._require_lifecycle(driver_under_test)
        raw = driver_under_test.configured(driver_under_test.machine_name())
        check_lifecycle(driver_under_test.new_driver, raw, driver_under_test.timeout)

    def test_missing_machine(self, driver_under_test: DriverUnderTest) -> None:
        self._require_lifecycle(driver_under_test)
        raw = driver_under_test.configured(driver_under_test.machine_name())
        check_missing_machine(driver_under_test.new_driver, raw)

    def test_store_lifecycle(self, driver_under_test: DriverUnderTest) -> None:
        """The minikube commands through the host store; for a driver minikube waits for, checked
        by :meth:`test_ready_on_return` on its machine (one boot sequence for both contracts)."""
        if not self._ready_skipped(driver_under_test):
            pytest.skip("checked by test_ready_on_return, on the same machine: the same minikube commands, each "
                        "start then also waited for until the machine answers SSH, and one SSH command at once")
        self._require_lifecycle(driver_under_test)
        machine = driver_under_test.machine_name()
        raw = driver_under_test.configured(machine)
        check_store_lifecycle(driver_under_test.name, driver_under_test.new_driver, raw,
                              driver_under_test.store, machine, driver_under_test.timeout)

    def _ready_skipped(self, subject: DriverUnderTest) -> str:
        """Why ready-on-return is not checked for this driver here, or ``""``."""
        subject.discover()
        why = ssh_wait_skipped(subject.name)
        if why:
            return why
        if not self.guest_ssh:
            return (f"guest_ssh = False: the guests of this test backend run no SSH server (a stand-in "
                    f'hypervisor), so whether minikube start returns when a "{subject.name}" machine answers '
                    "SSH is not checked here (minikube start still waits for it)")
        return ""

    def test_ready_on_return(self, driver_under_test: DriverUnderTest) -> None:
        """The store lifecycle's minikube commands with, after each start, minikube's wait for SSH and
        then one SSH command at once (a new machine, a restarted one): for a driver that minikube
        waits for (driver API 1.5 or later, no ``no_ssh``)."""
        subject = driver_under_test
        why = self._ready_skipped(subject)
        if why:
            pytest.skip(why)
        self._require_lifecycle(subject)
        machine = subject.machine_name()
        raw = subject.configured(machine)
        with self.guest_network():
            check_store_lifecycle(subject.name, subject.new_driver, raw, subject.store, machine, subject.timeout,
                                  ready=True)

    def test_nodes_distinct(self, driver_under_test: DriverUnderTest) -> None:
        """Two nodes of one profile (a driver that declares multinode): two machines at once."""
        d = driver_under_test.definition
        if not d.capabilities.multinode:
            pytest.skip(f'"{d.name}" does not declare multinode (one machine per profile: minikube refuses '
                        "--nodes 2 and node add for it)")
        self._require_lifecycle(driver_under_test)
        check_nodes(d, driver_under_test.new_driver, driver_under_test.cluster(driver_under_test.machine_name()),
                    driver_under_test.store, driver_under_test.timeout, driver_under_test.options)

    def test_plugin_binary(self, driver_under_test: DriverUnderTest) -> None:
        if not driver_under_test.external:
            pytest.skip(f'"{driver_under_test.name}" is builtin (its DriverDef has init): no plugin binary')
        check_plugin_binary(driver_under_test.name, driver_under_test.plugin_executable())
