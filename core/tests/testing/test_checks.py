"""The conformance checks pass for the fake driver and fail, naming the contract, for broken ones.

Every contract in CONTRACTS has at least one deliberately broken driver here (a test checks
that), so no check is one that cannot fail.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kit_sites import Site
from minikube import ClusterConfig, MachineNotFoundError, MinikubeError
from minikube.machine import HostStore, IntFlag, State, StringFlag, json_field
from minikube.registry import DriverDef, Priority
from minikube.registry import State as Health
from minikube.testing import (
    CONTRACTS,
    FAKE_DEF,
    ContractViolation,
    FakeDriver,
    check_config,
    check_def,
    check_discovery,
    check_flags,
    check_health,
    check_lifecycle,
    check_missing_machine,
    check_nodes,
    check_ready_on_return,
    check_shares,
    check_store_lifecycle,
    fake_config,
)
from minikube.testing._contracts import DOCS
from minikube.testing._subject import default_cluster
from ssh_guests import Guests, SSHGuestDriver

README = Path(__file__).resolve().parents[3] / "cookiecutter-driver" / "README.md"
FAKE_SOURCE = "from minikube.testing import FAKE_DEF as DRIVER\n"


def configured(d: DriverDef, home: Path, machine: str = "m1") -> bytes:
    return check_config(d, d.init, default_cluster(d.name, home, machine), HostStore(home))  # type: ignore[arg-type]


# --- the fake passes everything -------------------------------------------------------------------

def test_fake_driver_passes_every_check(site: Site, tmp_path: Path) -> None:
    site.add_driver("fake", FAKE_SOURCE)
    info, d = check_discovery("fake")
    assert d is FAKE_DEF and info.distribution == "minikube-driver-fake"
    check_def(d)
    assert check_health(d).healthy
    flags = check_flags(FakeDriver())
    assert "fake-label" in {f.name for f in flags}
    raw = configured(d, tmp_path)
    check_lifecycle(FakeDriver, raw, timeout=5)
    check_missing_machine(FakeDriver, configured(d, tmp_path, "m2"))
    store = HostStore(tmp_path)
    check_store_lifecycle("fake", FakeDriver, configured(d, tmp_path, "m3"), store, "m3", timeout=5)
    assert store.list() == []


def test_violation_message_names_contract_and_docs() -> None:
    with pytest.raises(ContractViolation) as e:
        check_def(dataclasses.replace(FAKE_DEF, priority=Priority.UNKNOWN))
    text = str(e.value)
    assert text.splitlines()[-1] == (f"contract: the DriverDef is well formed (docs: {DOCS}#contract-def-valid)")
    assert "priority" in text.splitlines()[0]


def test_every_contract_is_documented_under_its_anchor() -> None:
    doc = README.read_text()
    anchors = set(re.findall(r'<a id="(contract-[a-z-]+)"></a>', doc))
    assert {c.anchor for c in CONTRACTS} == anchors
    assert len({c.id for c in CONTRACTS}) == len(CONTRACTS)


# --- broken drivers ----------------------------------------------------------------------------------

@dataclass
class FlagsDriver(FakeDriver):
    flags: tuple[object, ...] = dataclasses.field(default=(), metadata={"transient": True})

    def get_create_flags(self) -> list:  # type: ignore[override]
        return list(self.flags)


def flags_case(*flags: object) -> Callable[[Path], None]:
    return lambda home: check_flags(FlagsDriver(flags=flags))  # type: ignore[arg-type]


def def_case(**changes: object) -> Callable[[Path], None]:
    return lambda home: check_def(dataclasses.replace(FAKE_DEF, **changes))


def health_case(status: Callable[[], object], timeout: float = 5) -> Callable[[Path], None]:
    return lambda home: check_health(dataclasses.replace(FAKE_DEF, status=status), timeout)  # type: ignore[arg-type]


def config_case(d: DriverDef) -> Callable[[Path], None]:
    return lambda home: configured(d, home)


def def_of(driver: type[FakeDriver]) -> DriverDef:
    """The fake's def with ``driver`` as both its driver and its config creator's product."""
    return dataclasses.replace(FAKE_DEF, init=driver,
                               config=lambda cfg: driver(machine_name=cfg.name, store_path=cfg.store_path))


def lifecycle_case(driver: type[FakeDriver]) -> Callable[[Path], None]:
    d = def_of(driver)
    return lambda home: check_lifecycle(driver, configured(d, home), timeout=0.5)


def missing_case(driver: type[FakeDriver]) -> Callable[[Path], None]:
    d = def_of(driver)
    return lambda home: check_missing_machine(driver, configured(d, home))


def store_case(driver: type[FakeDriver]) -> Callable[[Path], None]:
    d = def_of(driver)
    return lambda home: check_store_lifecycle("fake", driver, configured(d, home, "s1"), HostStore(home), "s1", 0.5)


class DropsCPU(FakeDriver):
    def get_config_raw(self) -> bytes:
        import json

        doc = json.loads(super().get_config_raw())
        del doc["CPU"]
        return json.dumps(doc).encode()


class MisnamedDriver(FakeDriver):
    def driver_name(self) -> str:
        return "other"


class CreateStaysStopped(FakeDriver):
    def create(self) -> None:
        self.exists = True
        self.state = int(State.STOPPED)


class CreateRaises(FakeDriver):
    def create(self) -> None:
        raise OSError("disk full")


class NoIP(FakeDriver):
    def get_ip(self) -> str:
        return "localhost:22"


@dataclass
class InMemoryState(FakeDriver):
    """Keeps the machine in the Python object only: a new driver from the saved config sees nothing."""

    exists: bool = dataclasses.field(default=False, metadata={"json": "FakeExists", "transient": True})
    state: int = dataclasses.field(default=0, metadata={"json": "FakeState", "transient": True})


class StopIgnored(FakeDriver):
    def stop(self) -> None:
        self._need()


class StopBounces(FakeDriver):
    """Reports Stopped once after stop(), then Running again (a VM set to restart when powered off)."""

    def get_state(self) -> State:
        st = super().get_state()
        if st == State.STOPPED and not getattr(self, "_bounced", False):
            self._bounced = True
            self.state = int(State.RUNNING)
        return st


class StartPauses(FakeDriver):
    def start(self) -> None:
        super().start()
        if self.state == State.RUNNING and getattr(self, "_started", False):
            self.state = int(State.PAUSED)
        self._started = True


class RestartStops(FakeDriver):
    def restart(self) -> None:
        self.stop()


class KillIgnored(FakeDriver):
    def kill(self) -> None:
        self._need()


class RemoveKeeps(FakeDriver):
    def remove(self) -> None:
        self.state = int(State.STOPPED)


class RemoveTwiceFails(FakeDriver):
    def remove(self) -> None:
        self._need()
        super().remove()


class StartsAnything(FakeDriver):
    def start(self) -> None:
        self.exists = True
        super().start()


class StopWrongError(FakeDriver):
    def stop(self) -> None:
        if not self.exists:
            raise RuntimeError("no such machine")
        super().stop()


def slow_health() -> Health:
    time.sleep(1)
    return Health(installed=True, healthy=True)


def _raise() -> Health:
    raise OSError("virsh crashed")


@dataclass
class SharingDriver(FakeDriver):
    """A fake that declares shared folders and keeps them, as a driver that exposes them must."""

    shares: list[dict[str, object]] = dataclasses.field(default_factory=list, metadata={"json": "Shares"})


def sharing_def(keep: bool) -> DriverDef:
    from minikube.machine import shares_of
    from minikube.registry import Capabilities

    def config(cfg: ClusterConfig) -> SharingDriver:
        return SharingDriver(machine_name=cfg.name, store_path=cfg.store_path,
                             shares=[s.to_json() for s in shares_of(cfg)] if keep else [])

    return dataclasses.replace(FAKE_DEF, init=SharingDriver, config=config,
                               capabilities=Capabilities(mounts=("virtiofs", "9p"), parallel=True))


def shares_case(keep: bool) -> Callable[[Path], None]:
    d = sharing_def(keep)

    def run(home: Path) -> None:
        check_shares(d, SharingDriver, default_cluster(d.name, home, "m1"), HostStore(home))
    return run


def test_a_driver_that_keeps_its_shares_passes(tmp_path: Path) -> None:
    d = sharing_def(keep=True)
    raw = check_shares(d, SharingDriver, default_cluster(d.name, tmp_path, "m1"), HostStore(tmp_path))
    assert b"mk-conformance-virtiofs" in raw and b"mk-conformance-9p" in raw


# --- nodes ------------------------------------------------------------------------------------------

def multinode_def(driver: type[FakeDriver] = FakeDriver, *, parallel: bool = True,
                  config: Callable[[ClusterConfig], FakeDriver] | None = None) -> DriverDef:
    """The fake's def declaring multinode, its config creator naming each machine as it must."""
    from minikube.registry import Capabilities

    return dataclasses.replace(
        FAKE_DEF, init=driver, capabilities=Capabilities(multinode=True, parallel=parallel),
        config=config or (lambda cfg: driver(machine_name=cfg.machine_name, store_path=cfg.store_path)))


def nodes_case(driver: type[FakeDriver] = FakeDriver, **kw: Any) -> Callable[[Path], None]:
    d = multinode_def(driver, **kw)
    return lambda home: check_nodes(d, driver, default_cluster(d.name, home, "mn"), HostStore(home), 0.5)


@pytest.mark.parametrize("parallel", [True, False], ids=["parallel", "one-by-one"])
def test_a_multinode_driver_passes_the_nodes_check(tmp_path: Path, parallel: bool) -> None:
    d = multinode_def(parallel=parallel)
    store = HostStore(tmp_path)
    check_nodes(d, FakeDriver, default_cluster(d.name, tmp_path, "mn"), store, 5)
    assert store.list() == []


def test_the_nodes_check_creates_a_parallel_drivers_nodes_at_once(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Both creates are in flight together for a parallel driver, one after the other otherwise;
    and never more at once than the host's bound (minikube.machine.machines_at_once), which the
    kit takes as minikube does: on a host that runs one machine at a time, one."""
    import threading

    from minikube.testing import _check_nodes

    inside: list[int] = []
    most = [0]
    lock = threading.Lock()

    class Slow(FakeDriver):
        def create(self) -> None:
            with lock:
                inside.append(1)
                most[0] = max(most[0], len(inside))
            time.sleep(0.3)
            with lock:
                inside.pop()
            super().create()

    for parallel, bound, want in ((True, 8, 2), (False, 8, 1), (True, 1, 1)):
        most[0] = 0
        monkeypatch.setattr(_check_nodes, "machines_at_once", lambda memory_mb=None, b=bound: b)
        d = multinode_def(Slow, parallel=parallel)
        check_nodes(d, Slow, default_cluster(d.name, tmp_path, f"p{parallel}{bound}"), HostStore(tmp_path), 5)
        assert most[0] == want


def _profile_of(machine: str) -> str:
    head, _, node = machine.rpartition("-")
    return head if head and re.fullmatch(r"m\d\d+", node) else machine


class SameIP(FakeDriver):
    def _ip(self) -> str:
        return "192.168.50.10"


class NetworkGoesWithANode(FakeDriver):
    """Keeps the profile's network in a file and removes it with whichever node is removed."""

    def _network(self) -> Path:
        return Path(self.store_path) / f"net-{_profile_of(self.machine_name)}"

    def create(self) -> None:
        self._network().touch()
        super().create()

    def remove(self) -> None:
        self._network().unlink(missing_ok=True)
        super().remove()

    def get_state(self) -> State:
        st = super().get_state()
        return State.STOPPED if st == State.RUNNING and not self._network().exists() else st


class OneAtATime(FakeDriver):
    """One slot for the whole host: a machine created stops the one running before."""

    def _slot(self) -> Path:
        return Path(self.store_path) / "running"

    def start(self) -> None:
        super().start()
        self._slot().write_text(self.machine_name)

    def get_state(self) -> State:
        st = super().get_state()
        slot = self._slot()
        return State.STOPPED if st == State.RUNNING and slot.exists() and slot.read_text() != self.machine_name else st


def ready_case(**fields: Any) -> Callable[[Path], None]:
    """An SSH guest machine (ssh_guests.py: on 127.0.0.1, set up by the ssh_guests fixture) configured with ``fields``."""
    d = dataclasses.replace(FAKE_DEF, init=SSHGuestDriver, config=lambda cfg: SSHGuestDriver(
        machine_name=cfg.name, store_path=cfg.store_path, **fields))
    return lambda home: check_ready_on_return("fake", SSHGuestDriver, configured(d, home, "r1"), HostStore(home), "r1", 1)


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "nodes named after the profile": ("nodes-distinct", nodes_case(
        config=lambda cfg: FakeDriver(machine_name=cfg.name, store_path=cfg.store_path))),
    "nodes share an IP": ("nodes-distinct", nodes_case(SameIP)),
    "removing a node takes the network": ("nodes-distinct", nodes_case(NetworkGoesWithANode)),
    "second node stops the first": ("nodes-distinct", nodes_case(OneAtATime, parallel=False)),
    "driver drops the shares": ("shares-kept", shares_case(keep=False)),
    "bad priority": ("def-valid", def_case(priority=Priority.UNKNOWN)),
    "bad name": ("def-valid", def_case(name="Fake_Driver")),
    "alias repeats name": ("def-valid", def_case(aliases=("fake",))),
    "bad platform": ("def-valid", def_case(platforms=("Linux-x86_64",))),
    "no config creator": ("def-valid", def_case(config=None)),
    "no status check": ("def-valid", def_case(status=None)),
    "setuid on builtin": ("def-valid", def_case(plugin_setuid=True)),
    "not installed": ("entry-point", lambda home: check_discovery("nosuch")),
    "health raises": ("health", health_case(_raise)),
    "health returns a dict": ("health", health_case(lambda: {"installed": True})),
    "unhealthy without fix": ("health", health_case(lambda: Health(installed=True, error="broken"))),
    "health too slow": ("health", health_case(slow_health, timeout=0.1)),
    "bad reason": ("health", health_case(lambda: Health(error="x", fix="y", reason="not an id"))),
    "flag name upper case": ("create-flags", flags_case(StringFlag("Fake-Label", "usage"))),
    "flag declared twice": ("create-flags", flags_case(StringFlag("fake-a", "u"), IntFlag("fake-a", "u"))),
    "flag shadows --memory": ("create-flags", flags_case(IntFlag("memory", "usage"))),
    "int flag with str default": ("create-flags", flags_case(IntFlag("fake-n", "usage", "", "2"))),  # type: ignore[arg-type]
    "flag without usage": ("create-flags", flags_case(StringFlag("fake-x"))),
    "env var lower case": ("create-flags", flags_case(StringFlag("fake-x", "u", "fake_x"))),
    "not a flag": ("create-flags", flags_case("--fake-x")),
    "config creator output not JSON": ("config-round-trip", config_case(
        dataclasses.replace(FAKE_DEF, config=lambda cfg: {"MachineName": cfg.name, "When": {1, 2}}))),
    "driver drops a config field": ("config-round-trip", config_case(dataclasses.replace(FAKE_DEF, init=DropsCPU))),
    "machine name not set": ("config-round-trip", config_case(
        dataclasses.replace(FAKE_DEF, config=lambda cfg: dataclasses.replace(fake_config(cfg), machine_name="x")))),
    "driver_name differs": ("config-round-trip", config_case(dataclasses.replace(FAKE_DEF, init=MisnamedDriver))),
    "create stays Stopped": ("create-running", lifecycle_case(CreateStaysStopped)),
    "create raises": ("create-running", lifecycle_case(CreateRaises)),
    "ip is not an address": ("running-address", lifecycle_case(NoIP)),
    "state kept in memory": ("state-persists", lifecycle_case(InMemoryState)),
    "stop does nothing": ("stop-stopped", lifecycle_case(StopIgnored)),
    "stop is undone at once": ("stop-stopped", lifecycle_case(StopBounces)),
    "start pauses": ("start-running", lifecycle_case(StartPauses)),
    "restart only stops": ("restart-running", lifecycle_case(RestartStops)),
    "kill does nothing": ("kill-stopped", lifecycle_case(KillIgnored)),
    "remove keeps the machine": ("remove-gone", lifecycle_case(RemoveKeeps)),
    "second remove fails": ("remove-gone", lifecycle_case(RemoveTwiceFails)),
    "start of a missing machine succeeds": ("missing-machine", missing_case(StartsAnything)),
    "stop of a missing machine: wrong error": ("missing-machine", missing_case(StopWrongError)),
    "store lifecycle loses the machine": ("store-lifecycle", store_case(InMemoryState)),
    "machine never answers SSH": ("ready-on-return", ready_case(mode="none")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_driver_fails_its_contract(case: str, tmp_path: Path, site: Site, ssh_guests: Guests) -> None:
    contract_id, run = CASES[case]
    with pytest.raises(ContractViolation) as e:
        run(tmp_path / "home")
    assert e.value.contract.id == contract_id, str(e.value)
    last = str(e.value).splitlines()[-1]
    assert last == f"contract: {e.value.contract.title} (docs: {DOCS}#contract-{contract_id})"


# --- actions return in their state -----------------------------------------------------------------

@dataclass
class StopReturnsEarly(FakeDriver):
    """stop() returns at once while the machine shuts down (Stopping) for a moment of wall-clock
    time: a state kept in the config, so every new driver sees it follow."""

    stopped_at: float = json_field("FakeStoppedAt", 0.0)

    def stop(self) -> None:
        super().stop()
        self.stopped_at = time.time() + 0.3

    def get_state(self) -> State:
        st = super().get_state()
        return State.STOPPING if st == State.STOPPED and time.time() < self.stopped_at else st


def test_a_stop_that_returns_early_passes_when_its_state_follows(tmp_path: Path) -> None:
    """minikube waits after stop() for Stopped (run_action), so users see Stopped: the kit, which runs
    the action the same way and asks once, passes it, directly and through the host store."""
    d = def_of(StopReturnsEarly)
    check_lifecycle(StopReturnsEarly, configured(d, tmp_path), timeout=5)
    store = HostStore(tmp_path)
    check_store_lifecycle("fake", StopReturnsEarly, configured(d, tmp_path, "s2"), store, "s2", timeout=5)
    assert store.list() == []


def test_a_stop_that_never_stops_fails_with_the_cores_timeout(tmp_path: Path) -> None:
    with pytest.raises(ContractViolation) as e:
        lifecycle_case(StopIgnored)(tmp_path)
    first = str(e.value).splitlines()[0]
    assert e.value.contract.id == "stop-stopped"
    assert first.startswith("stop() of the Running machine returned, but the machine did not reach Stopped "
                            "(get_state() last said Running): minikube waits for it after the call "
                            "(minikube.machine.run_action, here at most 0.5s) and gave up: "), first
    assert 'stop: "m1" is Running 0.5s after stop returned; want Stopped' in first  # the core's own error
    assert isinstance(e.value.__cause__, MinikubeError) and e.value.__cause__.reason_id == "GUEST_STOP_TIMEOUT"


def test_the_state_is_asked_once_right_after_the_action(tmp_path: Path) -> None:
    """No second chance: the core's wait saw Stopped, the kit's one get_state() right after sees Running."""
    with pytest.raises(ContractViolation) as e:
        lifecycle_case(StopBounces)(tmp_path)
    assert str(e.value).splitlines()[0] == (
        "get_state() right after stop() of the Running machine returned is Running, want Stopped: minikube's wait "
        "after the call (minikube.machine.run_action) saw Stopped, then the driver reported something else")


def test_a_failing_action_is_named_as_the_drivers_own_error(tmp_path: Path) -> None:
    with pytest.raises(ContractViolation) as e:
        lifecycle_case(CreateRaises)(tmp_path)
    assert str(e.value).splitlines()[0] == "create() raised OSError: disk full"


# Broken distributions, found (or not) through the real discovery.  Named "kit" so that a fake
# driver installed in the environment does not interfere.
KIT_SOURCE = "import dataclasses\nfrom minikube.testing import FAKE_DEF\nDRIVER = dataclasses.replace(FAKE_DEF, name='kit')\n"
DIST_CASES: dict[str, tuple[str, dict[str, object]]] = {
    "wrong distribution name": ("entry-point", {"dist": "kit-for-minikube"}),
    "import fails": ("entry-point", {"source": "import no_such_module\n"}),
    "def named differently": ("entry-point", {"source": KIT_SOURCE.replace("'kit'", "'other'")}),
    "entry point is a class": ("def-valid", {"source": "from minikube.testing import FakeDriver as DRIVER\n"}),
    "no minikube-driver.toml": ("metadata", {"toml": ""}),
    "toml priority differs": ("metadata", {"priority": "Preferred"}),
    "toml says external": ("metadata", {"builtin": "false"}),
    "toml api excludes this core": ("metadata", {"api": ">=2,<3"}),
    "toml without summary": ("metadata", {"toml": '[drivers.kit]\naliases = []\nbuiltin = true\ndefault = true\n'
                                                  'priority = "Fallback"\nplatforms = []\napi = ">=1.0,<2"\n'}),
    "checked by its alias": ("entry-point", {"source": KIT_SOURCE.replace("name='kit'", "name='kit', aliases=('kt',)"),
                                             "aliases": '["kt"]', "check": "kt"}),
}


@pytest.mark.parametrize("case", list(DIST_CASES))
def test_broken_distribution_fails_its_contract(case: str, site: Site) -> None:
    contract_id, spec = DIST_CASES[case]
    spec = dict(spec)
    check = str(spec.pop("check", "kit"))
    source = str(spec.pop("source", KIT_SOURCE))
    site.add_driver("kit", source, **spec)  # type: ignore[arg-type]
    with pytest.raises(ContractViolation) as e:
        check_discovery(check)
    assert e.value.contract.id == contract_id, str(e.value)


def test_kit_distribution_passes_discovery(site: Site) -> None:
    site.add_driver("kit", KIT_SOURCE)
    info, d = check_discovery("kit")
    assert (info.name, d.name, info.distribution) == ("kit", "kit", "minikube-driver-kit")


def test_every_contract_has_a_broken_driver() -> None:
    broken = {c for c, _ in CASES.values()} | {c for c, _ in DIST_CASES.values()} | {"plugin-binary"}
    assert broken == {c.id for c in CONTRACTS}  # plugin-binary: test_kit_external.py


def test_missing_machine_accepts_libmachine_wording_through_plugins(tmp_path: Path) -> None:
    """Errors cross the plugin protocol as strings: 'Host does not exist: "x"' keeps its meaning."""
    from minikube import DriverError

    class StringlyNotFound(FakeDriver):
        def _need(self) -> None:
            if not self.exists:
                raise DriverError(f'Host does not exist: "{self.machine_name}"')

    d = dataclasses.replace(FAKE_DEF, init=StringlyNotFound)
    check_missing_machine(StringlyNotFound, configured(d, tmp_path))

    class Typed(FakeDriver):
        def _need(self) -> None:
            if not self.exists:
                raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"')

    check_missing_machine(Typed, configured(dataclasses.replace(FAKE_DEF, init=Typed), tmp_path, "m9"))
