"""The checks that run a real machine: the lifecycle, a machine never created, and the store lifecycle.

They are the slow ones (a backend must be there), and share how a state is awaited and how a
machine is taken down again after a failure; the kit skips them where the backend cannot run.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import Any, cast

from .._errors import MinikubeError
from ..machine import Driver, HostStore, Machines, State
from ._check_base import DriverFactory, _contract, _fail, _raised
from ._contracts import (
    CREATE_RUNNING,
    KILL_STOPPED,
    MISSING_MACHINE,
    REMOVE_GONE,
    RESTART_RUNNING,
    RUNNING_ADDRESS,
    START_RUNNING,
    STATE_PERSISTS,
    STOP_STOPPED,
    STORE_LIFECYCLE,
    Contract,
)

NOT_FOUND = "GUEST_NOT_FOUND"


def _state(driver: Driver, contract: Contract, when: str) -> State:
    __tracebackhide__ = True
    with _contract(contract, f"get_state() {when}"):
        st = driver.get_state()
    try:
        return State(st)
    except ValueError:
        raise _fail(contract, f"get_state() {when} returned {st!r}, not a minikube.machine.State") from None


def await_state(driver: Driver, want: State, contract: Contract, when: str, timeout: float,
                interval: float = 0.2) -> None:
    """Poll get_state() until ``want``; a driver may pass through Starting/Stopping on the way."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while True:
        st = _state(driver, contract, when)
        if st == want:
            return
        if time.monotonic() >= deadline:
            raise _fail(contract, f"{when}, get_state() is {st.name.title()}, want {want.name.title()} "
                                  f"(waited {timeout:g}s)")
        time.sleep(interval)


#: libmachine's ``ErrHostDoesNotExist`` wording: it keeps its meaning across the plugin protocol,
#: where errors travel as plain strings.
NOT_FOUND_PREFIX = "Host does not exist"


def _is_not_found(e: BaseException) -> bool:
    """A GUEST_NOT_FOUND error, or (through a plugin) libmachine's 'Host does not exist: "x"'."""
    if not isinstance(e, MinikubeError):
        return False
    return e.reason.id == NOT_FOUND or e.message.startswith(NOT_FOUND_PREFIX)


def _gone(driver: Driver, contract: Contract, when: str) -> None:
    __tracebackhide__ = True
    try:
        st = driver.get_state()
    except Exception as e:  # noqa: BLE001
        if _is_not_found(e):
            return
        raise _fail(contract, f"get_state() {when} raised {_raised(e)}; want State.NONE or a "
                              f"{NOT_FOUND} error", e) from e
    if st != State.NONE:
        raise _fail(contract, f"{when}, get_state() is {State(st).name.title()}, want None (the machine is gone)")


def check_address(driver: Driver) -> None:
    """A Running machine has an IP, a docker URL and SSH coordinates."""
    __tracebackhide__ = True
    values: dict[str, Any] = {}
    for op in ("get_ip", "get_url", "get_ssh_hostname", "get_ssh_port", "get_ssh_username", "get_ssh_key_path"):
        with _contract(RUNNING_ADDRESS, f"{op}() on a Running machine"):
            values[op] = getattr(driver, op)()
    problems = []
    ip = values["get_ip"]
    if not isinstance(ip, str) or not ip:
        problems.append(f"get_ip() is {ip!r}")
    else:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            problems.append(f"get_ip() {ip!r} is not an IP address")
    for op in ("get_url", "get_ssh_hostname", "get_ssh_username"):
        if not isinstance(values[op], str) or not values[op]:
            problems.append(f"{op}() is {values[op]!r}")
    port = values["get_ssh_port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        problems.append(f"get_ssh_port() is {port!r}, not a port number")
    if not isinstance(values["get_ssh_key_path"], str):
        problems.append(f"get_ssh_key_path() is {values['get_ssh_key_path']!r}")
    if problems:
        raise _fail(RUNNING_ADDRESS, "; ".join(problems))


def _remove_quietly(new_driver: DriverFactory, driver: Driver, raw: bytes) -> None:
    """After a failed check, take the machine down anyway (with a fresh driver if need be)."""
    for make in (lambda: driver, new_driver):
        d = None
        try:
            d = make()
            if d is not driver:
                d.set_config_raw(raw)
            d.remove()
            return
        except Exception:  # noqa: BLE001, S112 - the failure being reported matters more
            continue
        finally:
            if d is not None and d is not driver:
                d.close()


def check_lifecycle(new_driver: DriverFactory, raw: bytes, timeout: float) -> None:
    """create -> Running -> stop -> Stopped -> start -> restart -> kill -> start -> remove -> gone."""
    __tracebackhide__ = True
    driver = new_driver()
    last_raw = raw
    created = False
    try:
        with _contract(CREATE_RUNNING, "set_config_raw(<the configured config>)"):
            driver.set_config_raw(raw)
        with _contract(CREATE_RUNNING, "pre_create_check() on a healthy host"):
            driver.pre_create_check()
        created = True
        with _contract(CREATE_RUNNING, "create()"):
            driver.create()
        await_state(driver, State.RUNNING, CREATE_RUNNING, "after create()", timeout)
        check_address(driver)
        with _contract(STATE_PERSISTS, "get_config_raw() after create()"):
            last_raw = saved = driver.get_config_raw()
        restored = new_driver()
        try:
            with _contract(STATE_PERSISTS, "set_config_raw(<the config saved after create()>)"):
                restored.set_config_raw(saved)
            st = _state(restored, STATE_PERSISTS, "of a new driver restored from the config saved after create()")
            if st != State.RUNNING:
                raise _fail(STATE_PERSISTS, f"a new driver restored from the config saved after create() sees "
                                            f"{st.name.title()}, want Running: minikube makes a new driver for "
                                            "every command, so the machine must be found from the saved config")
        finally:
            restored.close()
        for op, want, contract in (("stop", State.STOPPED, STOP_STOPPED),
                                   ("start", State.RUNNING, START_RUNNING),
                                   ("restart", State.RUNNING, RESTART_RUNNING),
                                   ("kill", State.STOPPED, KILL_STOPPED),
                                   ("start", State.RUNNING, START_RUNNING)):
            with _contract(contract, f"{op}()"):
                getattr(driver, op)()
            await_state(driver, want, contract, f"after {op}()", timeout)
        with _contract(REMOVE_GONE, "remove() of a Running machine"):
            driver.remove()
        _gone(driver, REMOVE_GONE, "after remove()")
        with _contract(REMOVE_GONE, "a second remove() (of a machine already gone: `minikube delete` retries)"):
            driver.remove()
        created = False
    finally:
        try:
            if created:
                try:
                    last_raw = driver.get_config_raw()
                except Exception:  # noqa: BLE001, S110
                    pass
                _remove_quietly(new_driver, driver, last_raw)
        finally:
            driver.close()


def check_missing_machine(new_driver: DriverFactory, raw: bytes) -> None:
    """A machine never created: state None, start/stop/kill/restart raise GUEST_NOT_FOUND, remove succeeds."""
    __tracebackhide__ = True
    driver = new_driver()
    try:
        with _contract(MISSING_MACHINE, "set_config_raw(<a config whose machine was never created>)"):
            driver.set_config_raw(raw)
        _gone(driver, MISSING_MACHINE, "of a machine never created")
        for op in ("start", "stop", "kill", "restart"):
            try:
                getattr(driver, op)()
            except Exception as e:  # noqa: BLE001
                if not _is_not_found(e):
                    rid = e.reason.id if isinstance(e, MinikubeError) else "no reason ID"
                    raise _fail(MISSING_MACHINE, f"{op}() of a machine never created raised {_raised(e)} "
                                                 f"({rid}); raise minikube.MachineNotFoundError("
                                                 f"'{NOT_FOUND_PREFIX}: \"<machine>\"')", e) from e
            else:
                _remove_quietly(new_driver, driver, raw)
                raise _fail(MISSING_MACHINE, f"{op}() of a machine never created succeeded; raise "
                                             f"minikube.MachineNotFoundError('{NOT_FOUND_PREFIX}: \"<machine>\"')")
        with _contract(MISSING_MACHINE, "remove() of a machine never created (must succeed)"):
            driver.remove()
    finally:
        driver.close()


def check_store_lifecycle(name: str, new_driver: DriverFactory, raw: bytes, store: HostStore,
                          machine: str, timeout: float) -> None:
    """What the ``minikube`` commands do: a new driver per operation, config saved in between."""
    __tracebackhide__ = True
    machines = Machines(lambda _name: new_driver(), store)

    def step(what: str, fn: Callable[[], object]) -> object:
        __tracebackhide__ = True
        with _contract(STORE_LIFECYCLE, what):
            return fn()

    def status(want: State, when: str) -> None:
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            st = State(cast(int, step(f"minikube status {when}", lambda: machines.status(machine))))
            if st == want:
                return
            if time.monotonic() >= deadline:
                raise _fail(STORE_LIFECYCLE, f"minikube status {when} is {st.name.title()}, want "
                                             f"{want.name.title()} (waited {timeout:g}s)")
            time.sleep(0.2)

    try:
        step("minikube start (create: pre_create_check, save, create, save, wait for Running)",
             lambda: machines.create(machine, name, raw, wait_timeout=timeout))
        status(State.RUNNING, "after start")
        step("minikube ip", lambda: machines.ip(machine))
        step("minikube stop", lambda: machines.stop(machine))
        status(State.STOPPED, "after stop")
        step("minikube start (of the stopped machine)", lambda: machines.start(machine))
        status(State.RUNNING, "after the second start")
        step("kill", lambda: machines.kill(machine))
        status(State.STOPPED, "after kill")
        step("minikube delete", lambda: machines.delete(machine))
        if store.machine_dir(machine).exists():
            raise _fail(STORE_LIFECYCLE, f"minikube delete left {store.machine_dir(machine)}")
    finally:
        if store.exists(machine):
            try:
                machines.delete(machine)
            except Exception:  # noqa: BLE001, S110 - cleanup after a failure already reported
                pass

