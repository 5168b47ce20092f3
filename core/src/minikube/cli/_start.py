"""``minikube start``: settings, driver choice, the driver's own flags, the boot image, then go."""

from __future__ import annotations

import logging
import os
import shutil
import time
from typing import Any

import typer

from .. import localpath
from .._errors import HostNotRunningError, IPNotSetError, MinikubeError
from .._runtime import Runtime
from ..config import ClusterConfig, load_profile, save_profile
from ..machine import Machines
from . import _flags, _ui
from ._select import choose
from ._settings import Resolved, Settings

log = logging.getLogger("minikube.cli")

#: start's own options, for "did you mean" when a driver option is unknown.
CORE_OPTIONS = ("--profile", "--driver", "--cpus", "--memory", "--disk-size", "--iso-url", "--force",
                "--explain", "--help")
IP_TIMEOUT_S = 120.0


def show_help(ctx: typer.Context, settings: Settings, requested: Resolved) -> None:
    typer.echo(ctx.get_help())
    rt = Runtime()
    if requested.value:
        from ._select import load_supported

        name = load_supported(rt, requested.value).definition.name
        typer.echo(f"\nOptions of the {name} driver (flag, then env var, then [drivers.{name}] "
                   "in config.toml, then default):")
        typer.echo(_flags.format_help(_flags.driver_flags(rt, name)))
    else:
        names = ", ".join(rt.catalog.names()) or "none installed"
        typer.echo(f"\nEach driver has options of its own: minikube start --driver=NAME --help "
                   f"(drivers: {names})")


def run_start(ctx: typer.Context, *, profile: str | None, driver: str | None, cpus: str | None,
              memory: str | None, disk_size: str | None, iso_url: str | None, force: bool,
              explain: bool, want_help: bool) -> None:
    settings = Settings()
    requested = settings.resolve("driver", driver)
    if want_help:
        show_help(ctx, settings, requested)
        raise typer.Exit()
    # Every value is checked before anything is touched.
    name = settings.profile(profile)
    wanted = {k: settings.resolve(k, v) for k, v in
              (("cpus", cpus), ("memory", memory), ("disk-size", disk_size), ("iso-url", iso_url))}
    for key in settings.unknown_keys():
        _ui.warn(f"unknown setting {key!r} in {settings.path} is ignored (see: minikube config --help)")
    rt = Runtime()
    machines = rt.machines()
    existing = machines.load(name).driver_name if machines.exists(name) else None
    choice = choose(rt, profile=name, requested=requested, existing=existing, explain=explain, force=force)
    dname = choice.name
    if existing is not None:
        _restart(rt, machines, name, dname, ctx.args, wanted)
        return
    flags = _flags.driver_flags(rt, dname)
    cli_values = _flags.parse_cli(list(ctx.args), flags, dname, CORE_OPTIONS)
    values, sources = _flags.resolve(flags, cli_values, settings.driver_table(dname), str(settings.path),
                                     dname, dict(os.environ))
    for k in sorted(sources):
        log.info("driver option %s=%r (from %s)", k, values[k], sources[k])
    from ._iso import resolve_iso

    iso = resolve_iso(wanted["iso-url"].value)
    cluster = ClusterConfig(name=name, driver=dname, cpus=wanted["cpus"].value, memory=wanted["memory"].value,
                            disk_size=wanted["disk-size"].value, minikube_iso=iso, driver_options=values,
                            store_path=str(localpath.minikube_home()))
    raw = rt.driver_config(dname, cluster, values)
    _create(machines, cluster, raw)


def _create(machines: Machines, cluster: ClusterConfig, raw: bytes) -> None:
    name, dname = cluster.name, cluster.driver
    save_profile(cluster)
    _ui.info(f'* Creating {dname} machine "{name}" (CPUs={cluster.cpus}, Memory={cluster.memory}MB, '
             f"Disk={cluster.disk_size}MB) ...")
    try:
        with _ui.spinner(f'Creating {dname} machine "{name}" ...'):
            machines.create(name, dname, raw)
        ip = _wait_for_ip(machines, name)
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while creating "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Remove what was made with: minikube delete -p {name}") from None
    except MinikubeError as e:
        if not machines.exists(name):  # nothing was made (e.g. the pre-create check failed): forget it
            shutil.rmtree(localpath.profile_dir(name), ignore_errors=True)
        elif not e.fix:
            e.fix = f"Run: minikube delete -p {name}, then start again"
        raise
    _ui.info(f'* Done! "{name}" is running at {ip}.')


def _restart(rt: Runtime, machines: Machines, name: str, dname: str, args: list[str],
             wanted: dict[str, Resolved]) -> None:
    if args:
        flags = _flags.driver_flags(rt, dname)
        _flags.parse_cli(list(args), flags, dname, CORE_OPTIONS)  # still a usage error when wrong
        _ui.warn(f'the {dname} driver options are ignored: "{name}" exists. To change them, first run: '
                 f"minikube delete -p {name}")
    _warn_unchangeable(name, wanted)
    _ui.info(f'* Starting "{name}" with the {dname} driver ...')
    try:
        with _ui.spinner(f'Starting "{name}" ...'):
            machines.start(name)
        ip = _wait_for_ip(machines, name)
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while starting "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Run: minikube start -p {name}") from None
    _ui.info(f'* Done! "{name}" is running at {ip}.')


def _warn_unchangeable(name: str, wanted: dict[str, Resolved]) -> None:
    """minikube's "You cannot change the memory size for an existing minikube cluster" warnings."""
    try:
        cfg = load_profile(name)
    except MinikubeError:
        return
    current: dict[str, Any] = {"cpus": cfg.cpus, "memory": cfg.memory, "disk-size": cfg.disk_size}
    for key, r in wanted.items():
        if r.source in ("default", "config.toml") or key == "iso-url":
            continue
        if r.value != current[key]:
            _ui.warn(f'{r.source} is ignored: "{name}" exists with {key} {current[key]}. '
                     f"To change it, first run: minikube delete -p {name}")


def _wait_for_ip(machines: Machines, name: str) -> str:
    """Until the driver reports an IP (a DHCP lease takes a while); a stopped host is an error."""
    deadline = time.monotonic() + IP_TIMEOUT_S
    last: MinikubeError | None = None
    with _ui.spinner(f'Waiting for "{name}" to get an IP address ...'):
        while time.monotonic() < deadline:
            try:
                return machines.ip(name)
            except HostNotRunningError:
                raise
            except IPNotSetError as e:
                last = e
            time.sleep(1.0)
    raise MinikubeError(f'"{name}" got no IP address within {IP_TIMEOUT_S:g}s'
                        + (f": {last.message}" if last else ""), reason_id="GUEST_START",
                        fix="Check the driver's network (minikube -v 2 start shows the driver's logs)")
