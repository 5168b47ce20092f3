"""The check of a driver that declares ``multinode``: two nodes of one profile are two machines.

``minikube start --nodes 2`` (and ``minikube node add``) hands the driver's config creator the
profile's ClusterConfig once per node, ``node`` set to the node being made: the primary's machine
is named after the profile, ``m02``'s ``<profile>-m02``.  Each must become a machine of its own,
with its own address, that runs beside the other and outlives the other's removal
(``minikube node delete m02``).  Like the lifecycle checks, this one runs real machines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..config import ClusterConfig, Node, primary_node
from ..machine import BoundedPool, Driver, HostStore, State, machines_at_once
from ..registry import DriverDef
from ._check_base import DriverFactory, _contract, _fail, _raised
from ._check_config import check_config
from ._check_lifecycle import _gone, _remove_quietly, _state, act, check_address
from ._contracts import CONFIG_ROUND_TRIP, NODES_DISTINCT, ContractViolation


def node_clusters(cluster: ClusterConfig) -> list[ClusterConfig]:
    """What the config creator gets for each node of a two-node profile: the primary's, then ``m02``'s."""
    nodes = [primary_node(), Node(name="m02")]
    return [replace(cluster, nodes=list(nodes), node=node) for node in nodes]


def _endpoint(driver: Driver, machine: str) -> dict[str, str]:
    __tracebackhide__ = True
    with _contract(NODES_DISTINCT, f'the address of "{machine}" while both nodes run'):
        return {"IP": str(driver.get_ip()), "SSH endpoint": f"{driver.get_ssh_hostname()}:{driver.get_ssh_port()}"}


def check_nodes(d: DriverDef, new_driver: DriverFactory, cluster: ClusterConfig, store: HostStore,
                timeout: float, options: dict[str, Any] | None = None) -> None:
    """Two nodes of ``cluster`` (its name is the profile's): distinct machine names in their driver
    configs (each config round-trips), both created (at once when the driver declares ``parallel``,
    as minikube makes them; each returns in Running, as minikube waits for it) and Running together, each with its own IP and SSH endpoint; removing
    ``m02`` leaves the primary Running, then the primary is removed too."""
    __tracebackhide__ = True
    specs = node_clusters(cluster)
    names = [c.machine_name for c in specs]
    raws = [_configured(d, new_driver, spec, store, options) for spec in specs]
    drivers: list[Driver] = []
    live: list[bool] = [False, False]  # a machine may exist: remove it after a failure
    try:
        for machine, raw in zip(names, raws, strict=True):
            driver = new_driver()
            drivers.append(driver)
            with _contract(NODES_DISTINCT, f'set_config_raw(<the config of "{machine}">)'):
                driver.set_config_raw(raw)
        _create_both(drivers, names, live, timeout, parallel=d.capabilities.parallel,
                     at_once=machines_at_once(cluster.memory or None))
        for driver, machine in zip(drivers, names, strict=True):  # both at once: the first still runs
            st = _state(driver, NODES_DISTINCT, f'of "{machine}" once both nodes were Running')
            if st != State.RUNNING:
                raise _fail(NODES_DISTINCT, f'"{machine}" is {st.name.title()} once the other node is Running, '
                                            "want Running: the nodes of a profile run at the same time")
            try:
                check_address(driver)
            except ContractViolation as e:
                raise _fail(NODES_DISTINCT, f'"{machine}", Running beside the other node: {e.detail}', e) from e
        a, b = (_endpoint(dr, m) for dr, m in zip(drivers, names, strict=True))
        same = [f"{what} {a[what]}" for what in a if a[what] == b[what]]
        if same:
            raise _fail(NODES_DISTINCT, f'the nodes "{names[0]}" and "{names[1]}" report the same '
                                        f"{' and the same '.join(same)}: each node is a machine with its own "
                                        "address (minikube records each node's IP, and ssh -n <node> goes to its "
                                        "own SSH endpoint)")
        with _contract(NODES_DISTINCT, f'remove() of "{names[1]}" (minikube node delete m02)'):
            drivers[1].remove()
        live[1] = False
        _gone(drivers[1], NODES_DISTINCT, f'after remove() of "{names[1]}"')
        with _contract(NODES_DISTINCT, f'get_config_raw() of "{names[0]}"'):
            primary_raw = drivers[0].get_config_raw()
        restored = new_driver()
        try:
            with _contract(NODES_DISTINCT, f'set_config_raw(<the saved config of "{names[0]}">)'):
                restored.set_config_raw(primary_raw)
            st = _state(restored, NODES_DISTINCT, f'of "{names[0]}" after "{names[1]}" was removed')
            if st != State.RUNNING:
                raise _fail(NODES_DISTINCT, f'after remove() of "{names[1]}", "{names[0]}" is {st.name.title()}, '
                                            "want Running: removing a node must leave the profile's other "
                                            "machines (and what they share, like a network) alone")
        finally:
            restored.close()
        with _contract(NODES_DISTINCT, f'remove() of "{names[0]}" (the last node)'):
            drivers[0].remove()
        live[0] = False
        _gone(drivers[0], NODES_DISTINCT, f'after remove() of "{names[0]}"')
    finally:
        for i, driver in enumerate(drivers):
            try:
                if live[i]:
                    raw = raws[i]
                    try:
                        raw = driver.get_config_raw()  # what create() learnt (a pid, an address)
                    except Exception:  # noqa: BLE001, S110
                        pass
                    _remove_quietly(new_driver, driver, raw)
            finally:
                driver.close()


def _configured(d: DriverDef, new_driver: DriverFactory, spec: ClusterConfig, store: HostStore,
                options: dict[str, Any] | None) -> bytes:
    """One node's driver config, round-tripped as minikube saves it; a failure is this contract's
    (the same cluster without ``node`` passed the config round trip)."""
    __tracebackhide__ = True
    node = f'node "{spec.node.name}"' if spec.node is not None and spec.node.name else "the primary node"
    try:
        return check_config(d, new_driver, spec, store, options)
    except ContractViolation as e:
        if e.contract != CONFIG_ROUND_TRIP:
            raise
        raise _fail(NODES_DISTINCT, f'for {node} of the profile "{spec.name}" (ClusterConfig.node), '
                                    f"{e.detail}", e.__cause__) from e


def _create_both(drivers: list[Driver], names: list[str], live: list[bool], timeout: float, *,
                 parallel: bool, at_once: int) -> None:
    """pre_create_check and create each node's machine, as minikube does (create returns in Running:
    :func:`minikube.machine.run_action`): for a ``parallel`` driver together, through minikube's
    own :class:`~minikube.machine.BoundedPool` (``at_once`` at a time: the host's bound), else one
    after the other."""
    __tracebackhide__ = True
    errors: list[tuple[int, BaseException]] = []

    def create(i: int) -> None:
        try:
            drivers[i].pre_create_check()
            live[i] = True
            act(drivers[i], "create", names[i], NODES_DISTINCT, timeout)
        except BaseException as e:  # noqa: BLE001 - reported below, naming the node
            errors.append((i, e))

    if parallel:
        BoundedPool(list(range(len(drivers))), create, at_once=at_once).start().wait()
    else:
        for i in range(len(drivers)):
            create(i)
            if errors:
                break
    if errors:
        i, e = min(errors, key=lambda f: f[0])
        how = " (both at once: the driver declares parallel)" if parallel else ""
        if isinstance(e, ContractViolation):  # the create or the wait for Running: its detail says which
            raise _fail(NODES_DISTINCT, f'creating "{names[i]}" beside "{names[1 - i]}"{how}: {e.detail}',
                        e.__cause__) from e
        raise _fail(NODES_DISTINCT, f'creating "{names[i]}" beside "{names[1 - i]}"{how} raised {_raised(e)}', e)
