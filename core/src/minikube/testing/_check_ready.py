"""The check of a driver whose machines answer SSH: ``minikube start`` returns when they do.

Since driver API 1.5, ``minikube start`` (and ``node add``, ``node start``) waits after making or
starting a machine until an SSH session with the machine's key runs a command
(:meth:`minikube.machine.MachineSession.wait_until_ready`), for every driver that declares an
``api`` range of 1.5 or later and does not declare ``no_ssh``
(:meth:`minikube.registry.Registry.waits_for_ssh`).  So ``minikube start && minikube ssh -- CMD``
works at once.  This check does exactly that through the core, twice (a new machine; the same
machine stopped and started again), with ONE SSH command right after each start and no retry.
"""

from __future__ import annotations

from .._errors import MinikubeError
from ..machine import HostStore, Machines, MachineSession, run_over_ssh
from ._check_base import DriverFactory, _contract, _delete_left, _fail
from ._contracts import READY_ON_RETURN

#: The command run once after each start, and what it must print (a shell ran it in the guest).
COMMAND = "echo minikube-ready-on-return"
ANSWER = "minikube-ready-on-return"


def ssh_wait_skipped(name: str) -> str:
    """Why ``minikube start`` does not wait for SSH with the driver ``name`` (then there is nothing to
    check), or ``""`` when it waits: the core's own verdict (``Registry.waits_for_ssh``), explained."""
    from ..registry import Registry
    from ..registry._registry import READY_SINCE_BEFORE

    reg = Registry(refresh=True, warn=lambda _message: None)
    if reg.waits_for_ssh(name):
        return ""
    info = reg.info(name)
    if reg.capabilities(name).no_ssh:
        return (f'"{info.name}" declares no_ssh = true (its machines run no SSH server): minikube start does not '
                "wait for them to answer SSH, so there is no readiness to check")
    if not info.api:
        declared = "declares no api range"
    else:
        declared = f'declares api = "{info.api}", which admits driver API {READY_SINCE_BEFORE}'
    return (f'"{info.name}" {declared}: minikube start keeps the behaviour of drivers built before driver API 1.5 '
            'for it and does not wait for its machines to answer SSH; declare api = ">=1.5,<2" (and no_ssh = true '
            "if its machines run no SSH server) to have minikube wait and this check run")


def _until_ready(s: MachineSession, machine: str, what: str, timeout: float) -> None:
    """What ``minikube start`` does once the machine is Running: wait for its IP, then for SSH."""
    __tracebackhide__ = True
    with _contract(READY_ON_RETURN, f"{what}: the wait for an IP (MachineSession.wait_for_ip, {timeout:g}s)"):
        s.wait_for_ip(timeout)
    waited = f"{what}: minikube's wait for SSH (MachineSession.wait_until_ready, {timeout:g}s)"
    with _contract(READY_ON_RETURN, waited):
        try:
            s.wait_until_ready(timeout=timeout, profile=machine)
        except MinikubeError as e:  # IF_SSH_TIMEOUT, IF_SSH_AUTH: what minikube start would exit with
            raise _fail(READY_ON_RETURN, f"{waited} failed: {e.reason_id}: {e.message}", e) from e


def _one_command(machines: Machines, machine: str, when: str, timeout: float) -> None:
    """``minikube ssh -- echo ...`` once, as a user would type it right after ``minikube start``."""
    __tracebackhide__ = True
    with _contract(READY_ON_RETURN, f"the machine's SSH address {when} (Machines.ssh_target, as minikube ssh "
                                    "reads it from a driver restored from the saved config)"):
        target = machines.ssh_target(machine)
    host, port, user, key = target
    with _contract(READY_ON_RETURN, f"one SSH command {when}"):
        proc = run_over_ssh(target, COMMAND, timeout=timeout)
    ran = f"one SSH command {when} (ssh -i {key} -p {port} {user}@{host} '{COMMAND}', no retry)"
    if proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip() or "nothing").splitlines()[-1]
        raise _fail(READY_ON_RETURN, f"{ran} exited {proc.returncode}: {said}. minikube's wait for SSH had "
                                     "succeeded: once a machine answers, it must keep answering at the address a "
                                     "driver restored from the saved config reports (a guest that restarts sshd "
                                     "or reboots after its first login breaks minikube ssh)")
    if proc.stdout.strip() != ANSWER:
        raise _fail(READY_ON_RETURN, f"{ran} printed {proc.stdout.strip()[-200:]!r}, want {ANSWER!r}: the guest "
                                     "must run the command with a shell, as sshd does")


def ready_after_start(machines: Machines, machine: str, when: str, timeout: float) -> None:
    """What ``minikube start`` does after the machine runs (wait for its IP, then for SSH), then
    ONE SSH command at once, as a user types ``minikube ssh`` right after ``start`` returned."""
    __tracebackhide__ = True
    with _contract(READY_ON_RETURN, f"{when}: minikube's waits"), machines.session(machine) as s:
        _until_ready(s, machine, when, timeout)
    _one_command(machines, machine, f"right after {when} returned", timeout)


def check_ready_on_return(name: str, new_driver: DriverFactory, raw: bytes, store: HostStore, machine: str,
                          timeout: float) -> None:
    """``minikube start`` (pre_create_check, create, wait for Running, for an IP, for SSH) then one
    SSH command at once; ``minikube stop``, ``minikube start`` and one SSH command at once again;
    ``minikube delete``.  Every wait is the core's own (``timeout`` bounds each); the kit runs each
    command once.  The conformance class checks it on the store lifecycle's machine
    (``check_store_lifecycle(..., ready=True)``): one boot sequence for both contracts."""
    __tracebackhide__ = True
    machines = Machines(lambda _name: new_driver(), store)
    try:
        with _contract(READY_ON_RETURN, "minikube start"):
            driver = new_driver()
            try:
                driver.set_config_raw(raw)
                with machines.creating(machine, name, driver) as s:
                    if s is None:
                        raise _fail(READY_ON_RETURN, f'machine "{machine}" already exists in '
                                                     f"{store.machine_dir(machine)}")
                    with _contract(READY_ON_RETURN, "minikube start: create (pre_create_check, create, wait for "
                                                    "Running)"):
                        s.create(wait_timeout=timeout)
                    _until_ready(s, machine, "minikube start", timeout)
            finally:
                driver.close()
        _one_command(machines, machine, "right after minikube start returned", timeout)
        with _contract(READY_ON_RETURN, "minikube stop (stop, wait for Stopped)"):
            machines.stop(machine)
        with _contract(READY_ON_RETURN, "minikube start of the stopped machine"), machines.session(machine) as s:
            with _contract(READY_ON_RETURN, "minikube start of the stopped machine: start, wait for Running"):
                s.start()
            _until_ready(s, machine, "minikube start of the stopped machine", timeout)
        _one_command(machines, machine, "right after minikube start of the stopped machine returned", timeout)
        with _contract(READY_ON_RETURN, "minikube delete"):
            machines.delete(machine)
    finally:
        _delete_left(machines, machine)
