"""Machine operations (libmachine's API): create, start, stop, kill, delete, status, ip.

A command works on a machine through one :class:`MachineSession`: the machine's lock, its host
config and **one** driver for the whole command, so an external driver's plugin process is
launched once however many steps the command takes (create, the wait for Running, the IP wait).
The driver is made by a factory (``driver_name -> empty Driver``) so this layer does not depend on
the registry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from .._errors import (
    ConfigError,
    DriverError,
    HostNotRunningError,
    IPNotSetError,
    MachineNotFoundError,
    MinikubeError,
)
from ._driver import Driver, State
from ._poll import wait_for
from ._ready import DEFAULT_WAIT_TIMEOUT, await_state, run_action, wait_for_ssh
from ._store import Host, HostStore, default_host_options

log = logging.getLogger("minikube.machine")

DriverFactory = Callable[[str], Driver]


def _driver_failure(op: str, e: Exception, reason_id: str) -> MinikubeError:
    """Keep a driver's own MinikubeError; wrap anything else so no traceback reaches users."""
    if isinstance(e, MinikubeError):
        return e
    return DriverError(f"{op} failed: {type(e).__name__}: {e}" if not str(e) else f"{op} failed: {e}",
                       reason_id=reason_id)


@contextmanager
def _step(op: str, reason_id: str) -> Iterator[None]:
    """One driver call: a driver's own error keeps its reason, anything else becomes one line.

    A plain DriverError that names no reason (a driver's bare ``raise DriverError(...)``, or an
    external plugin's error, which crosses the wire as text) gets the operation's reason, so a
    failed stop says GUEST_STOP_TIMEOUT and a failed start GUEST_START, not the class default
    (GUEST_PROVISION, which is about making a machine)."""
    try:
        yield
    except KeyboardInterrupt:
        raise
    except MinikubeError as e:
        if type(e) is DriverError and e.reason_id == DriverError.default_reason:
            e.reason_id = reason_id
        raise
    except Exception as e:
        raise _driver_failure(op, e, reason_id) from e


class MachineSession:
    """One machine for one command: its host config and one configured driver (and, unless the
    session is read-only, the machine's lock, with the driver's config saved back at the end)."""

    def __init__(self, machines: Machines, host: Host, driver: Driver, *, writable: bool = True) -> None:
        self.machines = machines
        self.host = host
        self.driver = driver
        self.writable = writable

    @property
    def name(self) -> str:
        return self.host.name

    def save(self) -> None:
        self.host.driver_raw = self.driver.get_config_raw()
        self.machines.store.save(self.host)

    def save_quietly(self) -> None:
        try:
            self.save()
        except Exception as e:  # noqa: BLE001 - the operation's own error matters more
            log.debug("could not save %s: %s", self.name, e)

    # -- operations --------------------------------------------------------------------------

    def create(self, *, wait_timeout: float = 300.0) -> None:
        """pre_create_check -> save -> create -> save -> wait until Running."""
        with _step("pre-create check", "GUEST_PROVISION"):
            self.driver.pre_create_check()
        self.save()  # from here on, `minikube delete` can clean up
        try:
            with _step("create", "GUEST_PROVISION"):
                self.driver.create()
                self.save()
                await_state(self.driver, "create", self.name, timeout=wait_timeout)
        finally:
            self.save_quietly()

    def state(self) -> State:
        with _step("status", "GUEST_STATUS"):
            return self.driver.get_state()

    def missing(self) -> bool:
        """The record is here but the driver has no such host (its VM was removed behind
        minikube's back, or the command that made it died before the VM was defined).

        libmachine drivers say so with the state None (status shows it as Nonexistent) or with
        "Host does not exist" from GetState; both mean the same here.
        """
        try:
            return self.state() == State.NONE
        except MachineNotFoundError:
            return True

    def recreate(self, *, wait_timeout: float = 300.0) -> None:
        """Make a missing host again from its saved driver config: whatever the old one left
        (networks, DHCP entries) is removed first, as ``delete`` would, then it is created."""
        with _step("delete", "GUEST_DELETE"):
            try:
                self.driver.remove()
            except MachineNotFoundError:
                pass
        self.create(wait_timeout=wait_timeout)

    # Each action returns once the driver reports the state it promises (libmachine's
    # runActionForState): `minikube stop && minikube status` never says Running.

    def start(self) -> None:
        with _step("start", "GUEST_START"):
            if self.driver.get_state() != State.RUNNING:
                run_action(self.driver, "start", self.name)

    def restart(self) -> None:
        with _step("restart", "GUEST_START"):
            run_action(self.driver, "restart", self.name)

    def stop(self) -> None:
        with _step("stop", "GUEST_STOP_TIMEOUT"):
            if self.driver.get_state() not in (State.STOPPED, State.NONE):
                run_action(self.driver, "stop", self.name)

    def kill(self) -> None:
        with _step("kill", "GUEST_STOP_TIMEOUT"):
            run_action(self.driver, "kill", self.name)

    def wait_until_ready(self, *, timeout: float = DEFAULT_WAIT_TIMEOUT, profile: str = "",
                         check: Callable[[], None] | None = None) -> None:
        """Until the running machine answers an SSH session with its key (libmachine's
        WaitForSSH); a machine that stops meanwhile ends the wait at once, and so does ``check``
        raising (the caller's reason to give up)."""
        target = self.ssh_target()

        def alive() -> None:
            if check is not None:
                check()
            with _step("status", "GUEST_STATUS"):
                self._running_still()

        wait_for_ssh(target, self.name, timeout=timeout, alive=alive, profile=profile,
                     files=str(self.machines.machine_dir(self.name)))

    def _running_still(self) -> None:
        st = self.driver.get_state()
        if st != State.RUNNING:
            raise DriverError(f'"{self.name}" stopped while waiting for SSH: its driver reports it '
                              f"{str(State(st)) or 'Nonexistent'}", reason_id="GUEST_START",
                              fix=f"Look at its files (a console log, where the driver keeps one) in "
                                  f"{self.machines.machine_dir(self.name)}; run the command again with -v 2 to see "
                                  "the driver's logs")

    def _running(self) -> None:
        if self.driver.get_state() != State.RUNNING:
            raise HostNotRunningError(f'Host "{self.name}" is not running')

    def ip(self) -> str:
        with _step("ip", "GUEST_STATUS"):
            self._running()
            return self.driver.get_ip()

    def wait_for_ip(self, timeout: float) -> str:
        """Until the driver reports an IP (a DHCP lease takes a while); a stopped host is an error.

        A machine with no SSH endpoint (SSH port 0: libmachine's ``none`` driver, an existing
        host named by a URL) boots nothing to wait for: its IP is what the driver says at once,
        possibly ""."""
        if self.ssh_port_or_none() == 0:
            self._running()
            try:
                return self.driver.get_ip()
            except IPNotSetError:
                return ""
        last: list[IPNotSetError] = []

        def ready() -> str | None:
            self._running()
            try:
                return self.driver.get_ip()
            except IPNotSetError as e:
                last[:] = [e]
                return None

        with _step("ip", "GUEST_STATUS"):
            try:
                return wait_for(ready, timeout=timeout, interval=1.0, what=f'"{self.name}" to get an IP address')
            except HostNotRunningError:
                raise
            except DriverError as e:
                if not e.message.startswith("timed out"):
                    raise
                raise DriverError(f'"{self.name}" got no IP address within {timeout:g}s'
                                  + (f": {last[0].message}" if last else ""), reason_id="GUEST_START",
                                  fix="Check the driver's network (minikube -v 2 start shows the driver's logs)"
                                  ) from None

    def ssh_port_or_none(self) -> int | None:
        """The driver's SSH port, or None when it cannot say now (0 means the machine has none)."""
        try:
            return self.driver.get_ssh_port()
        except MinikubeError:
            return None

    def ssh_target(self) -> tuple[str, int, str, str]:
        """(hostname, port, user, key path) for ``minikube ssh``."""
        with _step("ssh", "GUEST_STATUS"):
            self._running()
            d = self.driver
            return d.get_ssh_hostname(), d.get_ssh_port(), d.get_ssh_username(), d.get_ssh_key_path()

    def remove(self) -> None:
        """Remove the VM through the driver, then the machine's files."""
        try:
            with _step("delete", "GUEST_DELETE"):
                self.driver.remove()
        except MachineNotFoundError:
            pass
        self.writable = False  # nothing to save back: the machine is gone
        self.machines.store.remove(self.name)


class Machines:
    """The machines in one store, driven through a driver factory."""

    def __init__(self, new_driver: DriverFactory, store: HostStore | None = None) -> None:
        self.new_driver = new_driver
        self.store = store or HostStore()

    def exists(self, name: str) -> bool:
        return self.store.exists(name)

    def load(self, name: str) -> Host:
        return self.store.load(name)

    def machine_dir(self, name: str) -> Path:
        return self.store.machine_dir(name)

    @contextmanager
    def session(self, name: str, *, lock: bool = True, driver: Driver | None = None,
                on_wait: Callable[[], None] | None = None) -> Iterator[MachineSession]:
        """An existing machine for the length of a command.

        ``lock=False`` is a read-only session (status, ip): it waits for no other command and
        saves nothing; ``on_wait`` is called once if another command holds the lock.  ``driver`` lets a caller that could not load the saved config (a corrupt
        file) pass a driver rebuilt from the cluster settings; the caller owns that one.
        """
        with self.store.lock(name, on_wait=on_wait) if lock else nullcontext():
            host = self.store.load(name) if driver is None else self._host_or_stub(name, driver)
            own = driver is None
            drv = self.new_driver(host.driver_name) if own else driver
            assert drv is not None
            s: MachineSession | None = None
            try:
                if own:
                    self._restore(drv, host)
                s = MachineSession(self, host, drv, writable=lock)
                yield s
            finally:
                if s is not None and s.writable:
                    s.save_quietly()
                if own:
                    drv.close()

    def _restore(self, drv: Driver, host: Host) -> None:
        """The driver from its saved config; a config it refuses is named with its file and the way out."""
        try:
            drv.set_config_raw(host.driver_raw)
        except ConfigError as e:
            if e.fix or str(self.store.config_path(host.name)) in e.message:
                raise
            raise ConfigError(f"{self.store.config_path(host.name)} is corrupt: {e.message}",
                              fix=f"Delete it with 'minikube delete -p {host.name}' and start again") from None

    def _host_or_stub(self, name: str, driver: Driver) -> Host:
        try:
            return self.store.load(name)
        except MinikubeError:
            return Host(name=name, driver_name=driver.driver_name(), driver_raw=driver.get_config_raw(),
                        host_options=default_host_options(self.store.machine_dir(name)))

    @contextmanager
    def creating(self, name: str, driver_name: str, driver: Driver, *,
                 on_wait: Callable[[], None] | None = None) -> Iterator[MachineSession | None]:
        """A machine about to be made with a configured ``driver`` (the caller owns it): the lock
        is held for the whole command, so the wait for an IP shares the driver that created it.

        Existence is decided under the lock: if another command made the machine while this one
        waited, this yields None (the caller starts the existing machine instead: made once).
        """
        with self.store.lock(name, on_wait=on_wait):
            if self.store.exists(name):
                yield None
                return
            host = Host(name=name, driver_name=driver_name, driver_raw=driver.get_config_raw(),
                        host_options=default_host_options(self.store.machine_dir(name)))
            yield MachineSession(self, host, driver)

    # -- one-call conveniences (each its own session) ------------------------------------------

    def create(self, name: str, driver_name: str, raw_config: bytes, *, wait_timeout: float = 300.0) -> Host:
        driver = self.new_driver(driver_name)
        try:
            driver.set_config_raw(raw_config)
            with self.creating(name, driver_name, driver) as s:
                if s is None:
                    raise MinikubeError(f'machine "{name}" already exists', reason_id="GUEST_PROVISION")
                s.create(wait_timeout=wait_timeout)
                return s.host
        finally:
            driver.close()

    def start(self, name: str) -> None:
        with self.session(name) as s:
            s.start()

    def restart(self, name: str) -> None:
        with self.session(name) as s:
            s.restart()

    def stop(self, name: str) -> None:
        with self.session(name) as s:
            s.stop()

    def kill(self, name: str) -> None:
        with self.session(name) as s:
            s.kill()

    def status(self, name: str) -> State:
        with self.session(name, lock=False) as s:
            return s.state()

    def ip(self, name: str) -> str:
        with self.session(name, lock=False) as s:
            return s.ip()

    def states(self, names: list[str], ips: dict[str, str] | None = None) -> dict[str, State | MinikubeError]:
        """Many machines' states, read-only: one driver per driver name (an external driver's plugin
        is launched once for all its machines, each asked after ``set_config_raw``, as libmachine
        allows), the drivers asked at once.  A machine that cannot be asked maps to its error.

        ``ips``, when given, is filled with the IP of each running machine (asked of the same
        driver; a machine whose IP cannot be read is left out)."""
        import threading

        out: dict[str, State | MinikubeError] = {}
        groups: dict[str, list[Host]] = {}
        for name in names:
            try:
                host = self.store.load(name)
            except MinikubeError as e:
                out[name] = e
                continue
            groups.setdefault(host.driver_name, []).append(host)

        def ask(driver_name: str, hosts: list[Host]) -> None:
            try:
                driver = self.new_driver(driver_name)
            except MinikubeError as e:
                out.update({h.name: e for h in hosts})
                return
            try:
                for h in hosts:
                    try:
                        with _step("status", "GUEST_STATUS"):
                            self._restore(driver, h)
                            out[h.name] = state = driver.get_state()
                            if ips is not None and state == State.RUNNING:
                                ips[h.name] = driver.get_ip()
                    except MinikubeError as e:
                        out.setdefault(h.name, e)
            finally:
                driver.close()

        threads = [threading.Thread(target=ask, args=group, daemon=True) for group in groups.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    def ssh_target(self, name: str) -> tuple[str, int, str, str]:
        with self.session(name, lock=False) as s:
            return s.ssh_target()

    def delete(self, name: str, *, driver: Driver | None = None, on_wait: Callable[[], None] | None = None) -> None:
        """Remove the VM through its driver, then the machine's files (``on_wait`` is called if
        another command holds the machine's lock, before waiting for it)."""
        with self.session(name, driver=driver, on_wait=on_wait) as s:
            s.remove()
