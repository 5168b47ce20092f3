"""``minikube start``: settings, driver choice, the driver's own flags, the boot image, then go."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from typing import Any

import typer

from .. import localpath
from .._errors import MinikubeError, NotFoundError, UsageError
from ..config import (
    ClusterConfig,
    Node,
    list_profiles,
    load_profile,
    node_name,
    primary_node,
    profile_lock,
    profile_path,
    remove_profile,
    save_profile,
)
from ..machine import Driver, Machines
from ..registry import Registry
from . import _flags, _ui
from ._mount import MountRequest
from ._nodes import Crew
from ._select import choose
from ._settings import Resolved, Settings

log = logging.getLogger("minikube.cli")

#: start's own options, for "did you mean" when a driver option is unknown.
CORE_OPTIONS = ("--profile", "--driver", "--cpus", "--memory", "--disk-size", "--iso-url", "--force",
                "--explain", "--help", "--output", "--nodes", "--mount", "--mount-string", "--mount-type", "--mount-9p-version",
                "--mount-uid", "--mount-gid", "--mount-msize", "--mount-options", "--mount-ip", "--mount-port",
                "--wait-timeout")


def show_help(ctx: typer.Context, settings: Settings, requested: Resolved) -> None:
    typer.echo(ctx.get_help())
    reg = Registry()
    if requested.value:
        name = reg.load_supported(requested.value).name
        typer.echo(f"\nOptions of the {name} driver (flag, then env var, then [drivers.{name}] "
                   "in config.toml, then default):")
        typer.echo(_flags.format_help(_flags.driver_flags(reg, name)))
    else:
        names = ", ".join(reg.names()) or "none installed"
        typer.echo(f"\nEach driver has options of its own: minikube start --driver=NAME --help "
                   f"(drivers: {names})")


def run_start(ctx: typer.Context, *, profile: str | None, driver: str | None, cpus: str | None,
              memory: str | None, disk_size: str | None, iso_url: list[str] | None, force: bool,
              explain: bool, want_help: bool, mounts: MountRequest | None = None, nodes: int | None = None,
              wait_timeout: str = "6m0s") -> None:
    settings = Settings()
    requested = settings.resolve("driver", driver)
    if want_help:
        show_help(ctx, settings, requested)
        raise typer.Exit()
    # Every value is checked before anything is touched.
    name = settings.profile(profile)
    from ..config import is_reserved

    if is_reserved(name):  # minikube's start refuses a profile named like one of its commands
        raise UsageError(f'Profile name "{name}" is reserved keyword. To delete this profile, run: '
                         f'"minikube delete -p {name}"', fix="Choose another name with: minikube start -p NAME")
    if nodes is not None and nodes < 1:
        raise UsageError(f"--nodes must be at least 1, not {nodes}", fix="Start one node: minikube start --nodes 1; "
                         f"add more later with: minikube node add -p {name}")
    from ._duration import parse_duration

    ready_within = parse_duration(wait_timeout, "--wait-timeout")
    _ui.events_for(name)
    _ui.step("Initial Minikube Setup", _ui.version_line())
    wanted = {k: settings.resolve(k, v) for k, v in
              (("cpus", cpus), ("memory", memory), ("disk-size", disk_size), ("iso-url", iso_url))}
    for key in settings.unknown_keys():
        _ui.warn(f"unknown setting {key!r} in {settings.path} is ignored (see: minikube config --help)")
    from ._resources import check, check_nodes

    check(wanted, force=force, driver=requested.value, config=settings.path)  # memory, CPUs, disk
    mounts = mounts or MountRequest()
    mounts.check()  # the mount string's paths and kind
    from ._lookup import refuse_node_as_profile

    refuse_node_as_profile(name, new=True)
    reg = Registry()
    machines = reg.machines()
    existing = machines.load(name).driver_name if machines.exists(name) else None
    if existing is None and not profile_path(name).is_file():
        _refuse_new_name(name)
    count = nodes or 1
    if existing is None and count > 1:  # what the driver can do, then how many, then their names
        if requested.value:
            reg.require(requested.value, multinode=f"--nodes {nodes}")  # before its health check
        check_nodes(count, force=force, profile=name)
    machine_driver: Driver | None = None  # one driver (one plugin process) for the primary's whole command
    try:
        if existing is None and requested.value and ctx.args:
            # Usage before health: the driver's own options are checked before its health check.
            machine_driver = reg.new_driver(reg.load_supported(requested.value).name)
            _flags.parse_cli(list(ctx.args), machine_driver.get_create_flags(), reg.canonical(requested.value),
                             CORE_OPTIONS)
        _ui.set_step("Selecting Driver")
        choice = choose(reg, profile=name, requested=requested, existing=existing, explain=explain, force=force)
        dname = choice.name
        if existing is not None:
            _restart(reg, machines, name, dname, ctx.args, wanted, mounts, nodes, ready_within)
            return
        reg.require(dname, multinode=f"--nodes {nodes}" if count > 1 else None)
        _refuse_taken_names(name, count, machines)
        share = mounts.share_for(reg, dname) if mounts.string else None
        machine_driver = machine_driver or reg.new_driver(dname)
        flags = machine_driver.get_create_flags()
        cli_values = _flags.parse_cli(list(ctx.args), flags, dname, CORE_OPTIONS)
        values, sources = _flags.resolve(flags, cli_values, settings.driver_table(dname), str(settings.path),
                                         dname, dict(os.environ))
        for k in sorted(sources):
            log.info("driver option %s=%r (from %s)", k, values[k], sources[k])
        from ._iso import boot_image

        # The profile records the URL that worked; the driver boots the local copy.
        declared = reg.info(dname).declaration
        iso = boot_image(wanted["iso-url"].value, boots_iso=reg.capabilities(dname).boot_image,
                         offline_fix=declared.boot_image_fix if declared else "")
        cluster = ClusterConfig(name=name, driver=dname, cpus=wanted["cpus"].value, memory=wanted["memory"].value,
                                disk_size=wanted["disk-size"].value, minikube_iso=iso.source if iso else "",
                                driver_options=values, store_path=str(localpath.minikube_home()),
                                mount_string=mounts.string, mount_type=share.kind if share else "",
                                mounts=[share.to_json()] if share else [],
                                nodes=[primary_node()] + [Node(name=node_name(i)) for i in range(2, count + 1)],
                                multi_node_requested=count > 1)
        image = iso.local if iso else ""
        reg.configure(dname, replace(cluster, node=cluster.primary, minikube_iso=image or cluster.minikube_iso),
                      values, machine_driver)
        crew = Crew(machines, cluster, lambda spec: reg.configure(dname, spec, values), image=image,
                    first_driver=machine_driver, ssh=reg.waits_for_ssh(dname), wait_timeout=ready_within)
        _create(reg, crew, wanted)
    finally:
        if machine_driver is not None:
            machine_driver.close()


def _refuse_new_name(name: str) -> None:
    """minikube's ``ProfileNameValid`` for a profile about to be made."""
    from ..config import profile_name_problem

    problem = profile_name_problem(name)
    if problem is not None:
        raise UsageError(f"Profile name {name!r} is not valid: {problem}",
                         fix="Choose another name with: minikube start -p NAME")


def _refuse_taken_names(name: str, count: int, machines: Machines) -> None:
    """minikube's "Profile name should be unique": a new profile's nodes' machines may not be taken."""
    if count < 2:
        return
    taken = set(machines.store.list()) | set(list_profiles())  # one listing each, not a look per node
    for i in range(2, count + 1):
        machine = f"{name}-{node_name(i)}"
        if machine in taken:
            raise UsageError(f'Profile name should be unique: node {node_name(i)} of "{name}" would be the machine '
                             f'"{machine}", which exists', fix="Choose another name with: minikube start -p NAME")


def _create(reg: Registry, crew: Crew, wanted: dict[str, Resolved]) -> None:
    cluster, machines = crew.cluster, crew.machines
    name = cluster.name
    _ui.set_step("Creating VM")
    with profile_lock(name):
        made_meanwhile = machines.exists(name)
        if not made_meanwhile:
            save_profile(cluster)  # every node is listed before any is made: delete finds them all
    if made_meanwhile:  # another start made it while this one chose a driver: start it, make nothing twice
        _ui.info(f'* "{name}" was created by the other minikube command; starting it')
        _restart(reg, machines, name, cluster.driver, [], wanted, MountRequest(), None, crew.wait_timeout)
        return
    try:
        ips = crew.up_all(cluster.nodes, parallel=reg.capabilities(cluster.driver).parallel)
    except MinikubeError as e:
        if not any(machines.exists(cluster.machine_name_of(n)) for n in cluster.nodes):
            # nothing was made (e.g. the pre-create check failed): forget the profile
            remove_profile(name)
        elif not e.fix or e.reason_id == "MK_INTERRUPTED":
            e.fix = f"Run: minikube delete -p {name}, then start again" if not e.fix else e.fix
        raise
    _done(cluster, ips)


def _done(cluster: ClusterConfig, ips: dict[str, str]) -> None:
    def where(machine: str) -> str:
        return f" at {ips[machine]}" if ips.get(machine) else ""

    for n in cluster.nodes[1:]:
        machine = cluster.machine_name_of(n)
        _ui.info(f'* "{machine}" is running{where(machine)}.')
    _ui.step("Done", f'Done! "{cluster.name}" is running{where(cluster.name)}.')


def _restart(reg: Registry, machines: Machines, name: str, dname: str, args: list[str],
             wanted: dict[str, Resolved], mounts: MountRequest, nodes: int | None, wait_timeout: float) -> None:
    _ui.set_step("Starting Node")
    cfg = _warn_unchangeable(name, wanted, mounts, nodes)
    if args:
        with machines.session(name, lock=False) as s:
            _flags.parse_cli(list(args), s.driver.get_create_flags(), dname, CORE_OPTIONS)  # still a usage error
        _ui.warn(f'the {dname} driver options are ignored: "{name}" exists. To change them, first run: '
                 f"minikube delete -p {name}")
    cluster = cfg or ClusterConfig(name=name, driver=dname)  # no profile config (an older minikube made it): its primary alone
    cluster.driver = dname
    crew = Crew(machines, cluster, lambda spec: reg.configure(dname, spec, cluster.driver_options), verb="starting",
                ssh=reg.waits_for_ssh(dname), wait_timeout=wait_timeout)
    if not all(machines.exists(cluster.machine_name_of(n)) for n in cluster.nodes):
        crew.image = local_image(reg, cluster)  # a node that was never made (its command was stopped early)
    ips = crew.up_all(cluster.nodes, parallel=reg.capabilities(dname).parallel)
    _done(cluster, ips)


def local_image(reg: Registry, cluster: ClusterConfig) -> str:
    """The local copy of the profile's boot image, for another machine of it (cached: no download)."""
    if not cluster.minikube_iso:
        return ""
    from ._iso import boot_image

    iso = boot_image((cluster.minikube_iso,), boots_iso=True)
    return iso.local if iso else ""


def _warn_unchangeable(name: str, wanted: dict[str, Resolved], mounts: MountRequest,
                       nodes: int | None = None) -> ClusterConfig | None:
    """minikube's "You cannot change the memory size for an existing minikube cluster" warnings;
    the profile's settings (None when unreadable)."""
    try:
        cfg = load_profile(name)  # a damaged config is GUEST_CONFIG_CORRUPT: its nodes are unknown
    except NotFoundError:
        return None
    if nodes is not None and nodes != len(cfg.nodes):
        _ui.warn("You cannot change the number of nodes for an existing minikube cluster. Please use 'minikube "
                 f"node add' to add nodes to an existing cluster (\"{name}\" has {len(cfg.nodes)}).")
    if mounts.string and mounts.string != cfg.mount_string:
        _ui.warn(f'--mount-string is ignored: "{name}" exists and its shared folders are fixed when it is made '
                 f"({cfg.mount_string or 'none'}). Share a folder now with: minikube mount {mounts.string} -p {name}; "
                 f"or first run: minikube delete -p {name}")
    current: dict[str, Any] = {"cpus": cfg.cpus, "memory": cfg.memory, "disk-size": cfg.disk_size}
    for key, r in wanted.items():
        if r.source in ("default", "config.toml") or key == "iso-url":
            continue
        if r.value != current[key]:
            _ui.warn(f'{r.source} is ignored: "{name}" exists with {key} {current[key]}. '
                     f"To change it, first run: minikube delete -p {name}")
    return cfg
