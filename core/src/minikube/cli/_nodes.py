"""A profile's nodes: each its own machine, brought up together.

When the driver declares ``parallel`` the nodes of one command are made (or started) together, as
many at a time as the host runs at once (a small pool of threads, the rest queued and said so),
every machine under its own lock and the profile's config changed under the
profile's lock; otherwise one after another, as minikube does.  A node that fails stops the
others at their next step (a machine this command brought up is stopped again, kept for the next
``start`` or for ``delete``) and the error names it.  Ctrl-C stops waiting at once: each machine's
record is saved before its driver makes anything, so ``minikube delete`` finds and removes it all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace

from .._errors import MinikubeError
from ..config import ClusterConfig, Node, update_profile
from ..machine import DEFAULT_WAIT_TIMEOUT, BoundedPool, Driver, Machines, MachineSession, machines_at_once, shares_of
from . import _ui

log = logging.getLogger("minikube.cli")

IP_TIMEOUT_S = 120.0


class _Cancelled(Exception):
    """Another node failed (or the user pressed Ctrl-C): this one stops at its next step."""


def role(node: Node) -> str:
    """minikube's words for a node in its "Starting ... node" line."""
    if not node.name:
        return "primary control-plane"
    return "control-plane" if node.control_plane else "worker"


@dataclass
class Crew:
    """What the nodes of one command share: the profile, its machines and how to make a driver."""

    machines: Machines
    cluster: ClusterConfig
    configure: Callable[[ClusterConfig], Driver]  # a configured driver for a new machine of cluster.node
    image: str = ""  # the boot image the driver is given (a local file:// URI), "" to keep the profile's
    first_driver: Driver | None = None  # the primary's driver, made earlier (the caller closes it)
    verb: str = "creating"  # for the Ctrl-C message: "creating" or "starting"
    #: Whether its machines answer SSH (the driver does not declare ``no_ssh``): each one brought
    #: up is then waited for, up to ``wait_timeout`` seconds (``--wait-timeout``), before it counts.
    ssh: bool = True
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT

    def __post_init__(self) -> None:
        self.several = len(self.cluster.nodes) > 1
        self.cancel = threading.Event()

    # -- one node ---------------------------------------------------------------------------------

    def up(self, node: Node) -> str:
        """Make the node's machine (or start it if it exists), wait for its IP, mount the profile's
        shares on the primary; the IP is recorded in the profile.  Returns the IP."""
        cluster, machine = self.cluster, self.cluster.machine_name_of(node)
        self._check()
        if self.several:
            _ui.info(f'* Starting "{machine}" {role(node)} node in "{cluster.name}" cluster')
        if not self.machines.exists(machine):
            driver = self.first_driver if not node.name and self.first_driver is not None else None
            own = driver is None
            if driver is None:
                spec = replace(cluster, node=node, minikube_iso=self.image or cluster.minikube_iso)
                driver = self.configure(spec)
            try:
                with self.machines.creating(machine, cluster.driver, driver, on_wait=_ui.waiting_for(machine)) as s:
                    if s is not None:
                        self._check()
                        _ui.info(f'* Creating {cluster.driver} machine "{machine}" (CPUs={cluster.cpus}, '
                                 f"Memory={cluster.memory}MB, Disk={cluster.disk_size}MB) ...")
                        with self._spinner(f'Creating {cluster.driver} machine "{machine}" ...'):
                            s.create()
                        return self._finish(s, node)
            finally:
                if own:
                    driver.close()
            _ui.info(f'* "{machine}" was created by the other minikube command; starting it')
        with self.machines.session(machine, on_wait=_ui.waiting_for(machine)) as s:
            self._check()
            if s.missing():  # the VM vanished (virsh undefine, a kill before it was defined): make it again
                _ui.info(f'* {cluster.driver} "{machine}" machine is missing, will recreate.')
                with self._spinner(f'Creating {cluster.driver} machine "{machine}" ...'):
                    s.recreate()
            else:
                _ui.info(f'* Starting "{machine}" with the {cluster.driver} driver ...')
                with self._spinner(f'Starting "{machine}" ...'):
                    s.start()
            return self._finish(s, node)

    def _finish(self, s: MachineSession, node: Node) -> str:
        try:
            self._check()
        except _Cancelled:
            _stop_quietly(s)
            raise
        with self._spinner(f'Waiting for "{s.name}" to get an IP address ...'):
            ip = s.wait_for_ip(IP_TIMEOUT_S)
        record_ip(self.cluster.name, node.name, ip)  # recorded even if the wait below fails: status shows it
        if not ip:  # a machine with no SSH endpoint whose driver knows no address (none with a bad --url)
            _ui.warn(f'"{s.name}" has no IP address: the {self.cluster.driver} driver reports none')
        if self.ssh:  # ready means ready: the machine counts once it runs a command over SSH
            _ui.step("Waiting for SSH", f'Waiting for "{s.name}" to answer SSH ...')
            with self._spinner(f'Waiting for "{s.name}" to answer SSH ...'):
                s.wait_until_ready(timeout=self.wait_timeout, profile=self.cluster.name, check=self._check)
        if not node.name:
            from ._mount import mount_in_guest

            mount_in_guest(s, shares_of(self.cluster), ready=self.ssh)  # a reboot forgets mounts
        return ip

    def _check(self) -> None:
        if self.cancel.is_set():
            raise _Cancelled

    def _spinner(self, text: str) -> AbstractContextManager[None]:
        return nullcontext() if self.several else _ui.spinner(text)

    # -- several nodes ----------------------------------------------------------------------------

    def up_all(self, nodes: list[Node], *, parallel: bool) -> dict[str, str]:
        """Every node up: machine name -> IP.  Raises the first failure (naming its node)."""
        results: dict[str, str] = {}
        failures: list[tuple[Node, MinikubeError]] = []
        lock = threading.Lock()

        def one(node: Node) -> None:
            try:
                ip = self.up(node)
            except _Cancelled:
                _ui.info(f'* Stopped bringing up "{self.cluster.machine_name_of(node)}": another node failed')
                return
            except Exception as e:  # noqa: BLE001 - a bug in one thread still ends as one line
                from ._report import as_minikube_error

                with lock:
                    failures.append((node, as_minikube_error(e)))
                self.cancel.set()
                return
            with lock:
                results[self.cluster.machine_name_of(node)] = ip

        try:
            if parallel and len(nodes) > 1:
                self._together(nodes, one)
            else:
                for node in nodes:
                    one(node)
        except KeyboardInterrupt:
            self.cancel.set()
            name = self.cluster.name
            fix = (f"Remove what was made with: minikube delete -p {name}" if self.verb == "creating"
                   else f"Run: minikube start -p {name}")
            raise MinikubeError(f'interrupted while {self.verb} "{name}"', reason_id="MK_INTERRUPTED",
                                fix=fix) from None
        if failures:
            failures.sort(key=lambda f: f[0].number)
            node, e = failures[0]
            for other, e2 in failures[1:]:
                _ui.warn(f'"{self.cluster.machine_name_of(other)}" failed too: {e2.message}')
            if self.several:
                e.message = f'node "{self.cluster.machine_name_of(node)}" failed: {e.message}'
            raise e
        return results

    def _together(self, nodes: list[Node], one: Callable[[Node], None]) -> None:
        """Run ``one`` for every node through a :class:`BoundedPool` (as many at a time as the host
        runs at once); the main thread waits, so Ctrl-C reaches it."""
        pool = BoundedPool(nodes, one, at_once=machines_at_once(self.cluster.memory or None), stop=self.cancel)
        if pool.queued:
            _ui.info(f"* Bringing up {len(nodes)} machines, {pool.at_once} at a time (as many as this host runs "
                     "at once); the others wait their turn")
        names = ", ".join(f'"{self.cluster.machine_name_of(n)}"' for n in nodes[:pool.at_once])
        with _ui.spinner(f"Bringing up {pool.at_once} machines at once ({names}) ..."):
            pool.start().wait()


def _stop_quietly(s: MachineSession) -> None:
    try:
        s.stop()
    except MinikubeError as e:
        log.info("could not stop %s after another node failed: %s", s.name, e)


def record_ip(profile: str, node_name: str, ip: str) -> None:
    """Write a node's IP into the profile (under its lock); a profile deleted meanwhile is left alone."""
    def change(cfg: ClusterConfig) -> None:
        for n in cfg.nodes:
            if n.name == node_name:
                n.ip = ip

    try:
        update_profile(profile, change)
    except MinikubeError as e:
        log.info("could not record %s's IP in profile %s: %s", node_name or "the primary", profile, e)


@contextmanager
def interrupted_as(what: str, name: str, fix: str) -> Iterator[None]:
    """Ctrl-C during a one-machine step as minikube's MK_INTERRUPTED line."""
    try:
        yield
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while {what} "{name}"', reason_id="MK_INTERRUPTED", fix=fix) from None


@contextmanager
def reported_as(reason_id: str, doing: str) -> Iterator[None]:
    """A node command's failure as minikube reports it (``GUEST_NODE_START: starting node: ...``);
    Ctrl-C stays ``MK_INTERRUPTED``."""
    try:
        yield
    except MinikubeError as e:
        if e.reason_id == "MK_INTERRUPTED":
            raise
        raise MinikubeError(f"{doing}: {e.message}", reason_id=reason_id, fix=e.fix) from None
