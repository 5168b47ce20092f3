"""Actions that return in their state, and a machine that is ready when it answers SSH.

libmachine's host layer never trusts a driver to return at the right moment: after ``Start`` it
waits until the driver reports Running, after ``Stop`` and ``Kill`` until Stopped
(``runActionForState``), and a new machine is not made until an SSH session runs ``exit 0``
with its key (``WaitForSSH``).  This module is that promise, once, for every driver: a driver
author gets it without writing a wait, and a user's ``minikube start && minikube ssh`` works.

A TCP accept is not SSH (QEMU's user network accepts before the guest listens), and an SSH
greeting is not a login (the guest may not have taken its key yet): the wait ends when OpenSSH,
as ``minikube ssh`` runs it, logs in with the machine's key and runs a command.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .._errors import DriverError, MinikubeError
from ._driver import Driver, State

#: minikube's ``--wait-timeout`` default (6m0s): how long ``start`` waits for a machine to answer.
DEFAULT_WAIT_TIMEOUT = 360.0
#: How long an action may take to reach its state (libmachine's WaitFor: 60 tries, 3 s apart).
ACTION_TIMEOUT = 180.0
#: How long a started machine may still be reported Stopped before the start counts as failed.
SETTLE = 10.0

#: The state each action promises once it returns, and the reason a failure to reach it gets.
ACTION_STATES: dict[str, tuple[State, str]] = {
    "create": (State.RUNNING, "GUEST_PROVISION"),
    "start": (State.RUNNING, "GUEST_START"),
    "restart": (State.RUNNING, "GUEST_START"),
    "stop": (State.STOPPED, "GUEST_STOP_TIMEOUT"),
    "kill": (State.STOPPED, "GUEST_STOP_TIMEOUT"),
}

#: What OpenSSH prints when the guest answers but refuses the key (libmachine's IF_SSH_AUTH match).
_AUTH_REFUSED = ("Permission denied", "no supported methods remain", "Too many authentication failures")


def await_state(driver: Driver, action: str, name: str, *, timeout: float = ACTION_TIMEOUT,
                interval: float = 0.25, settle: float = SETTLE) -> None:
    """Until the driver reports the state ``action`` promises (a driver may pass through
    Starting or Stopping on the way); past ``timeout`` a DriverError names what it reports.

    A machine that a start left Stopped (or Nonexistent) for ``settle`` seconds, or in Error, has
    failed: its process died while booting; that is said at once instead of after ``timeout``."""
    want, reason = ACTION_STATES[action]
    deadline = time.monotonic() + timeout
    down_since: float | None = None
    while True:
        st = State(driver.get_state())
        if st == want:
            return
        now = time.monotonic()
        if want == State.RUNNING and st in (State.STOPPED, State.NONE, State.ERROR):
            down_since = now if down_since is None else down_since
            if st == State.ERROR or now - down_since >= settle:
                raise DriverError(f'"{name}" {"failed" if st == State.ERROR else "stopped"} after {action} returned: '
                                  f"its driver reports it {str(st) or 'Nonexistent'}", reason_id=reason)
        else:
            down_since = None
        if now >= deadline:
            raise DriverError(f'{action}: "{name}" is {str(st) or "Nonexistent"} {timeout:g}s after {action} '
                              f"returned; want {want.name.title()}", reason_id=reason)
        time.sleep(max(0.0, min(interval, deadline - now)))


def run_action(driver: Driver, action: str, name: str, *, timeout: float = ACTION_TIMEOUT) -> None:
    """``driver.<action>()``, then wait for the state it promises, as libmachine's host layer does."""
    getattr(driver, action)()
    await_state(driver, action, name, timeout=timeout)


def format_duration(seconds: float) -> str:
    """Seconds as Go prints a ``time.Duration`` (``6m0s``, ``30s``, ``1h0m0s``, ``1.5s``)."""
    if seconds < 60:
        return f"{seconds:g}s"
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    frac = seconds - whole
    secs = f"{s + frac:g}s"
    return (f"{h}h{m}m{secs}" if h else f"{m}m{secs}")


def wait_for_ssh(target: tuple[str, int, str, str], name: str, *, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 alive: Callable[[], None] | None = None, interval: float = 0.5,
                 profile: str = "", files: str = "") -> None:
    """Until an SSH session with the machine's key runs ``exit 0`` at ``target`` (``(host, port,
    user, key)``, as :meth:`MachineSession.ssh_target` gives it).

    ``alive`` is called between tries and raises when the machine can no longer answer (its
    process died, it stopped).  Past ``timeout``: IF_SSH_AUTH (78) when the guest answered but
    refused the key, else IF_SSH_TIMEOUT (72); the machine is left as it is, for a look (the fix
    names ``files``, the machine's directory, where a driver keeps its console log).
    """
    from ._ssh import SSH_CONNECT_TIMEOUT, run_over_ssh, ssh_unreachable

    host, port, user, key = target
    deadline = time.monotonic() + timeout
    last, refused = "no answer yet", False
    while True:
        if alive is not None:
            alive()
        left = deadline - time.monotonic()
        why = ssh_unreachable(host, port, timeout=max(0.1, min(SSH_CONNECT_TIMEOUT, left)))
        if why is None:  # it greets: log in and run a command, as `minikube ssh` would
            proc = run_over_ssh(target, "exit 0", timeout=max(1.0, min(30.0, deadline - time.monotonic())))
            if proc.returncode == 0:
                return
            said = (proc.stderr.strip() or f"exit status {proc.returncode}").splitlines()[-1]
            refused = any(word in said for word in _AUTH_REFUSED)
            last = said
        else:
            last, refused = why, False
        if time.monotonic() >= deadline:
            break
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
    profile = profile or name
    look = (f"It is kept as it is (minikube status -p {profile} shows it)"
            + (f"; its files, with the console log where the driver keeps one, are in {files}" if files else "")
            + f"; remove it with: minikube delete -p {profile}")
    if refused:
        raise MinikubeError(f'"{name}" refused its SSH key at {host}:{port} (user {user}, key {key}): {last}',
                            reason_id="IF_SSH_AUTH", fix=f"The guest did not take minikube's key. {look}")
    raise MinikubeError(f'waiting for SSH to be available on "{name}" at {host}:{port}: no SSH session within '
                        f"{format_duration(timeout)} ({last})", reason_id="IF_SSH_TIMEOUT",
                        fix=f"Give it longer with --wait-timeout, or check the boot image runs sshd. {look}")
