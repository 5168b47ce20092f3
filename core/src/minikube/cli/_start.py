"""``minikube start``: settings, driver choice, the driver's own flags, the boot image, then go."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import typer

from .. import localpath
from .._errors import MinikubeError
from ..config import ClusterConfig, load_profile, save_profile
from ..machine import Driver, Machines, shares_of
from ..registry import Registry
from . import _flags, _ui
from ._mount import MountRequest, mount_in_guest
from ._select import choose
from ._settings import Resolved, Settings

log = logging.getLogger("minikube.cli")

#: start's own options, for "did you mean" when a driver option is unknown.
CORE_OPTIONS = ("--profile", "--driver", "--cpus", "--memory", "--disk-size", "--iso-url", "--force",
                "--explain", "--help", "--output", "--mount", "--mount-string", "--mount-type", "--mount-9p-version",
                "--mount-uid", "--mount-gid", "--mount-msize", "--mount-options", "--mount-ip", "--mount-port")
IP_TIMEOUT_S = 120.0


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
              explain: bool, want_help: bool, mounts: MountRequest | None = None) -> None:
    settings = Settings()
    requested = settings.resolve("driver", driver)
    if want_help:
        show_help(ctx, settings, requested)
        raise typer.Exit()
    # Every value is checked before anything is touched.
    name = settings.profile(profile)
    _ui.events_for(name)
    _ui.step("Initial Minikube Setup", _ui.version_line())
    wanted = {k: settings.resolve(k, v) for k, v in
              (("cpus", cpus), ("memory", memory), ("disk-size", disk_size), ("iso-url", iso_url))}
    for key in settings.unknown_keys():
        _ui.warn(f"unknown setting {key!r} in {settings.path} is ignored (see: minikube config --help)")
    from ._resources import check

    check(wanted, force=force, driver=requested.value, config=settings.path)  # memory, CPUs, disk
    mounts = mounts or MountRequest()
    mounts.check()  # the mount string's paths and kind
    reg = Registry()
    machines = reg.machines()
    existing = machines.load(name).driver_name if machines.exists(name) else None
    machine_driver: Driver | None = None  # one driver (one plugin process) for the whole command
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
            _restart(machines, name, dname, ctx.args, wanted, mounts)
            return
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
                                mounts=[share.to_json()] if share else [])
        reg.configure(dname, replace(cluster, minikube_iso=iso.local) if iso else cluster, values, machine_driver)
        _create(machines, cluster, machine_driver, wanted)
    finally:
        if machine_driver is not None:
            machine_driver.close()


def _create(machines: Machines, cluster: ClusterConfig, driver: Driver, wanted: dict[str, Resolved]) -> None:
    name, dname = cluster.name, cluster.driver
    _ui.set_step("Creating VM")
    try:
        with machines.creating(name, dname, driver, on_wait=_waiting_for(name)) as s:
            if s is None:  # made by the command we waited for: start it, do not make it again
                made_meanwhile = True
            else:
                made_meanwhile = False
                save_profile(cluster)
                _ui.info(f'* Creating {dname} machine "{name}" (CPUs={cluster.cpus}, Memory={cluster.memory}MB, '
                         f"Disk={cluster.disk_size}MB) ...")
                with _ui.spinner(f'Creating {dname} machine "{name}" ...'):
                    s.create()
                with _ui.spinner(f'Waiting for "{name}" to get an IP address ...'):
                    ip = s.wait_for_ip(IP_TIMEOUT_S)
                mount_in_guest(s, shares_of(cluster))
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while creating "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Remove what was made with: minikube delete -p {name}") from None
    except MinikubeError as e:
        if not machines.exists(name):  # nothing was made (e.g. the pre-create check failed): forget it
            shutil.rmtree(localpath.profile_dir(name), ignore_errors=True)
        elif not e.fix:
            e.fix = f"Run: minikube delete -p {name}, then start again"
        raise
    if made_meanwhile:
        _ui.info(f'* "{name}" was created by the other minikube command; starting it')
        _restart(machines, name, machines.load(name).driver_name, [], wanted, MountRequest())
        return
    _ui.step("Done", f'Done! "{name}" is running at {ip}.')


def _waiting_for(name: str) -> Callable[[], None]:
    """What a start says while another minikube command holds the profile's lock."""
    return lambda: _ui.info(f'* Waiting for another minikube command working on "{name}" to finish ...')


def _restart(machines: Machines, name: str, dname: str, args: list[str], wanted: dict[str, Resolved],
             mounts: MountRequest) -> None:
    _ui.set_step("Starting Node")
    cfg = _warn_unchangeable(name, wanted, mounts)
    try:
        with machines.session(name, on_wait=_waiting_for(name)) as s:
            if args:
                _flags.parse_cli(list(args), s.driver.get_create_flags(), dname, CORE_OPTIONS)  # still a usage error
                _ui.warn(f'the {dname} driver options are ignored: "{name}" exists. To change them, first run: '
                         f"minikube delete -p {name}")
            if s.missing():  # the VM vanished (virsh undefine, a kill before it was defined): make it again
                _ui.info(f'* {dname} "{name}" machine is missing, will recreate.')
                with _ui.spinner(f'Creating {dname} machine "{name}" ...'):
                    s.recreate()
            else:
                _ui.info(f'* Starting "{name}" with the {dname} driver ...')
                with _ui.spinner(f'Starting "{name}" ...'):
                    s.start()
            with _ui.spinner(f'Waiting for "{name}" to get an IP address ...'):
                ip = s.wait_for_ip(IP_TIMEOUT_S)
            mount_in_guest(s, shares_of(cfg) if cfg else ())  # a reboot forgets mounts
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while starting "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Run: minikube start -p {name}") from None
    _ui.step("Done", f'Done! "{name}" is running at {ip}.')


def _warn_unchangeable(name: str, wanted: dict[str, Resolved], mounts: MountRequest) -> ClusterConfig | None:
    """minikube's "You cannot change the memory size for an existing minikube cluster" warnings;
    the profile's settings (None when unreadable)."""
    try:
        cfg = load_profile(name)
    except MinikubeError:
        return None
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
