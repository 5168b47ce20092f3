"""Machine operations (libmachine's API): create, start, stop, kill, delete, status, ip.

The driver is made by a factory (``driver_name -> empty Driver``) so this layer does not
depend on the registry: builtin drivers come from their def's ``init``, external ones are
plugin clients.  Every operation holds the machine's lock and saves the driver's config back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .._errors import DriverError, HostNotRunningError, MachineNotFoundError, MinikubeError
from ._driver import Driver, State
from ._poll import wait_for
from ._store import Host, HostStore, default_host_options

log = logging.getLogger("minikube.machine")

DriverFactory = Callable[[str], Driver]


def _driver_failure(op: str, e: Exception, reason_id: str) -> MinikubeError:
    """Keep a driver's own MinikubeError; wrap anything else so no traceback reaches users."""
    if isinstance(e, MinikubeError):
        return e
    return DriverError(f"{op} failed: {type(e).__name__}: {e}" if not str(e) else f"{op} failed: {e}",
                       reason_id=reason_id)


class Machines:
    """The machines in one store, driven through a driver factory."""

    def __init__(self, new_driver: DriverFactory, store: HostStore | None = None) -> None:
        self.new_driver = new_driver
        self.store = store or HostStore()

    # -- helpers -----------------------------------------------------------------------------

    @contextmanager
    def _driver(self, host: Host) -> Iterator[Driver]:
        driver = self.new_driver(host.driver_name)
        try:
            driver.set_config_raw(host.driver_raw)
            yield driver
        finally:
            driver.close()

    def _save(self, host: Host, driver: Driver) -> None:
        host.driver_raw = driver.get_config_raw()
        self.store.save(host)

    def _run(self, name: str, op: str, reason_id: str,
             fn: Callable[[Host, Driver], object]) -> object:
        with self.store.lock(name):
            host = self.store.load(name)
            with self._driver(host) as driver:
                try:
                    return fn(host, driver)
                except (KeyboardInterrupt, MinikubeError):
                    raise
                except Exception as e:
                    raise _driver_failure(op, e, reason_id) from e
                finally:
                    self._save_quietly(host, driver)

    def _save_quietly(self, host: Host, driver: Driver) -> None:
        try:
            self._save(host, driver)
        except Exception as e:  # noqa: BLE001 - the operation's own error matters more
            log.debug("could not save %s: %s", host.name, e)

    # -- operations --------------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return self.store.exists(name)

    def load(self, name: str) -> Host:
        return self.store.load(name)

    def create(self, name: str, driver_name: str, raw_config: bytes, *,
               wait_timeout: float = 300.0) -> Host:
        """pre_create_check -> save -> create -> save -> wait until Running."""
        with self.store.lock(name):
            host = Host(name=name, driver_name=driver_name, driver_raw=raw_config,
                        host_options=default_host_options(self.store.machine_dir(name)))
            with self._driver(host) as driver:
                try:
                    driver.pre_create_check()
                except (KeyboardInterrupt, MinikubeError):
                    raise
                except Exception as e:
                    raise _driver_failure("pre-create check", e, "GUEST_PROVISION") from e
                self._save(host, driver)  # from here on, `minikube delete` can clean up
                try:
                    driver.create()
                    self._save(host, driver)
                    wait_for(lambda: driver.get_state() == State.RUNNING, timeout=wait_timeout,
                             interval=1.0, what=f'"{name}" to be Running')
                except (KeyboardInterrupt, MinikubeError):
                    raise
                except Exception as e:
                    raise _driver_failure("create", e, "GUEST_PROVISION") from e
                finally:
                    self._save_quietly(host, driver)
            return host

    def start(self, name: str) -> None:
        def op(host: Host, driver: Driver) -> None:
            if driver.get_state() != State.RUNNING:
                driver.start()
        self._run(name, "start", "GUEST_START", op)

    def stop(self, name: str) -> None:
        def op(host: Host, driver: Driver) -> None:
            if driver.get_state() not in (State.STOPPED, State.NONE):
                driver.stop()
        self._run(name, "stop", "GUEST_STOP", op)

    def kill(self, name: str) -> None:
        self._run(name, "kill", "GUEST_STOP", lambda h, d: d.kill())

    def status(self, name: str) -> State:
        state = self._run(name, "status", "GUEST_STATUS", lambda h, d: d.get_state())
        assert isinstance(state, State)
        return state

    def ip(self, name: str) -> str:
        def op(host: Host, driver: Driver) -> str:
            if driver.get_state() != State.RUNNING:
                raise HostNotRunningError(f'Host "{name}" is not running')
            return driver.get_ip()
        return str(self._run(name, "ip", "GUEST_STATUS", op))

    def ssh_target(self, name: str) -> tuple[str, int, str, str]:
        """(hostname, port, user, key path) for ``minikube ssh``."""
        def op(host: Host, driver: Driver) -> tuple[str, int, str, str]:
            if driver.get_state() != State.RUNNING:
                raise HostNotRunningError(f'Host "{name}" is not running')
            return (driver.get_ssh_hostname(), driver.get_ssh_port(),
                    driver.get_ssh_username(), driver.get_ssh_key_path())
        return self._run(name, "ssh", "GUEST_STATUS", op)  # type: ignore[return-value]

    def delete(self, name: str, *, driver: Driver | None = None) -> None:
        """Remove the VM through its driver, then the machine's files.

        ``driver`` lets a caller that could not load the saved config (a corrupt file) pass a
        driver rebuilt from the cluster settings, so the VM is still removed.
        """
        with self.store.lock(name):
            try:
                if driver is None:
                    host = self.store.load(name)
                    with self._driver(host) as d:
                        d.remove()
                else:
                    driver.remove()
            except MachineNotFoundError:
                pass
            except (KeyboardInterrupt, MinikubeError):
                raise
            except Exception as e:
                raise _driver_failure("delete", e, "GUEST_DELETE") from e
            self.store.remove(name)

    def machine_dir(self, name: str) -> Path:
        return self.store.machine_dir(name)
