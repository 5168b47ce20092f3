"""The checks that run a real machine: the lifecycle, a machine never created, and the store lifecycle.

They are the slow ones (a backend must be there), and share how an action is run and how a
machine is taken down again after a failure; the kit skips them where the backend cannot run.

Actions return in their state (driver API 1.5): minikube runs every action through
:func:`minikube.machine.run_action`, which waits until the driver reports the state the action
promises (libmachine's runActionForState), so ``minikube stop && minikube status`` never says
Running.  The kit runs them the same way and then asks ``get_state()`` once, right after: a driver
passes exactly when minikube's users would see the promised state, and the kit has no wait of its
own.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, cast

from .._errors import MinikubeError
from ..machine import ACTION_STATES, Driver, HostStore, Machines, State, run_action
from ._check_base import DriverFactory, _contract, _delete_left, _fail, _raised
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


def _title(st: State) -> str:
    return str(st) or "None"


def _state(driver: Driver, contract: Contract, when: str) -> State:
    __tracebackhide__ = True
    with _contract(contract, f"get_state() {when}"):
        st = driver.get_state()
    try:
        return State(st)
    except ValueError:
        raise _fail(contract, f"get_state() {when} returned {st!r}, not a minikube.machine.State") from None


def expect_state(driver: Driver, want: State, contract: Contract, when: str) -> None:
    """``get_state()`` once: ``want``, or a violation of ``contract`` saying what it is."""
    __tracebackhide__ = True
    st = _state(driver, contract, when)
    if st != want:
        raise _fail(contract, f"get_state() {when} is {_title(st)}, want {_title(want)}")


class _Watched:
    """The driver as :func:`run_action` sees it, noting whether the action itself returned and the
    last state the core's wait saw, so a failure says which of the two it was."""

    def __init__(self, driver: Driver, action: str) -> None:
        self._driver = driver
        self._action = action
        self.returned = False
        self.seen: State | None = None

    def get_state(self) -> State:
        st = self._driver.get_state()
        try:
            self.seen = State(st)
        except ValueError:
            pass
        return st

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._driver, attr)
        if attr != self._action:
            return value

        def action(*args: Any, **kwargs: Any) -> Any:
            out = value(*args, **kwargs)
            self.returned = True
            return out
        return action


def act(driver: Driver, action: str, machine: str, contract: Contract, timeout: float, *,
        what: str = "") -> None:
    """``driver.<action>()`` as minikube runs it (:func:`minikube.machine.run_action`: the call, then
    the core's wait, at most ``timeout`` seconds, for the state the action promises), then
    ``get_state()`` once: that state.  Any failure is a violation of ``contract`` naming the call,
    what the driver reported and, for a wait that gave up, the core's own error."""
    __tracebackhide__ = True
    what = what or f"{action}()"
    want = ACTION_STATES[action][0]
    watched = _Watched(driver, action)
    try:
        run_action(cast(Driver, watched), action, machine, timeout=timeout)
    except Exception as e:  # noqa: BLE001 - every driver failure is reported as the contract it broke
        if not watched.returned:
            raise _fail(contract, f"{what} raised {_raised(e)}", e) from e
        seen = f" (get_state() last said {_title(watched.seen)})" if watched.seen is not None else ""
        said = e.message if isinstance(e, MinikubeError) else _raised(e)
        raise _fail(contract, f"{what} returned, but the machine did not reach {_title(want)}{seen}: minikube "
                              f"waits for it after the call (minikube.machine.run_action, here at most {timeout:g}s) "
                              f"and gave up: {said}", e) from e
    st = _state(driver, contract, f"right after {what} returned (through minikube.machine.run_action)")
    if st != want:
        raise _fail(contract, f"get_state() right after {what} returned is {_title(st)}, want {_title(want)}: "
                              f"minikube's wait after the call (minikube.machine.run_action) saw {_title(want)}, "
                              "then the driver reported something else")


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


def _machine_name(driver: Driver) -> str:
    try:
        return str(driver.get_machine_name()) or "the machine"
    except Exception:  # noqa: BLE001 - only for messages; the config round trip checks the name
        return "the machine"


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
        machine = _machine_name(driver)
        act(driver, "create", machine, CREATE_RUNNING, timeout)
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
        for op, contract, what in (("stop", STOP_STOPPED, "stop() of the Running machine"),
                                   ("start", START_RUNNING, "start() after stop()"),
                                   ("restart", RESTART_RUNNING, "restart() of the Running machine"),
                                   ("kill", KILL_STOPPED, "kill() of the Running machine"),
                                   ("start", START_RUNNING, "start() after kill()")):
            act(driver, op, machine, contract, timeout, what=what)
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
                          machine: str, timeout: float, *, ready: bool = False) -> None:
    """What the ``minikube`` commands do: a new driver per operation, config saved in between.

    Each command returns in its state (:class:`minikube.machine.Machines` waits as minikube does:
    create up to ``timeout``, start/stop/kill up to the core's own bound), and ``minikube status``
    right after it, once, must say so.  With ``ready`` (a driver minikube waits for), each start
    is also ready-on-return, on the same machine: minikube's waits for an IP and for SSH, then one
    SSH command at once (:func:`minikube.testing.check_ready_on_return` alone does only that)."""
    __tracebackhide__ = True
    from ._check_ready import ready_after_start

    machines = Machines(lambda _name: new_driver(), store)

    def step(what: str, fn: Callable[[], object]) -> object:
        __tracebackhide__ = True
        with _contract(STORE_LIFECYCLE, what):
            return fn()

    def status(want: State, after: str) -> None:
        __tracebackhide__ = True
        st = State(cast(int, step(f"minikube status right after {after}", lambda: machines.status(machine))))
        if st != want:
            raise _fail(STORE_LIFECYCLE, f"minikube status right after {after} returned is {str(st) or 'Nonexistent'}, want "
                                         f"{_title(want)} (a new driver restored from the saved config; the "
                                         "command waited for the state through minikube.machine.run_action)")

    try:
        step("minikube start (create: pre_create_check, save, create, save, wait for Running)",
             lambda: machines.create(machine, name, raw, wait_timeout=timeout))
        status(State.RUNNING, "minikube start")
        if ready:
            ready_after_start(machines, machine, "minikube start", timeout)
        step("minikube ip", lambda: machines.ip(machine))
        step("minikube stop (stop, wait for Stopped)", lambda: machines.stop(machine))
        status(State.STOPPED, "minikube stop")
        step("minikube start of the stopped machine (start, wait for Running)", lambda: machines.start(machine))
        status(State.RUNNING, "the second minikube start")
        if ready:
            ready_after_start(machines, machine, "the second minikube start", timeout)
        step("kill (kill, wait for Stopped)", lambda: machines.kill(machine))
        status(State.STOPPED, "kill")
        step("minikube delete", lambda: machines.delete(machine))
        if store.machine_dir(machine).exists():
            raise _fail(STORE_LIFECYCLE, f"minikube delete left {store.machine_dir(machine)}")
    finally:
        _delete_left(machines, machine)
