"""``minikube start``: settings, driver choice, the driver's own flags, the boot image, then go."""

from __future__ import annotations

import os
from typing import Any

import typer

from .. import localpath
from .._errors import MinikubeError, UsageError
from .._runtime import Runtime
from ..config import (
    DEFAULT_CPUS,
    DEFAULT_DISK_MB,
    DEFAULT_MEMORY_MB,
    DEFAULT_PROFILE,
    ClusterConfig,
    load_profile,
    load_settings,
    save_profile,
)
from ..machine import BoolFlag, Flag, IntFlag, StringSliceFlag
from . import _ui
from ._select import choose, parse_count, parse_size_mb

SWARM_DEFAULTS: dict[str, Any] = {"swarm-master": False, "swarm-host": "", "swarm-discovery": ""}


def setting(settings: dict[str, Any], key: str, flag_value: str | None) -> str | None:
    """Flags, then environment (MINIKUBE_<KEY>), then config.toml; None means the default."""
    if flag_value is not None:
        return flag_value
    env = os.environ.get("MINIKUBE_" + key.upper().replace("-", "_"))
    if env:
        return env
    v = settings.get(key)
    return None if v is None else str(v)


def profile_name(profile: str | None, settings: dict[str, Any] | None = None) -> str:
    name = profile or (settings or {}).get("profile") or DEFAULT_PROFILE
    return localpath.validate_name(str(name))


def parse_driver_args(args: list[str], flags: list[Flag], driver: str) -> dict[str, Any]:
    """``--kvm-network x``/``--kvm-network=x``/``--kvm-hidden`` against the driver's flags."""
    by_name = {f.name: f for f in flags}
    values: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise UsageError(f"unexpected argument {arg!r}")
        key, eq, val = arg[2:].partition("=")
        f = by_name.get(key)
        if f is None:
            known = ", ".join("--" + n for n in sorted(by_name)) or "none"
            raise UsageError(f"unknown option --{key} for the {driver} driver (its options: {known})")
        if isinstance(f, BoolFlag):
            values[key] = (val.lower() in ("1", "true", "yes")) if eq else True
        else:
            if not eq:
                i += 1
                if i >= len(args):
                    raise UsageError(f"option --{key} needs a value")
                val = args[i]
            if isinstance(f, IntFlag):
                try:
                    values[key] = int(val)
                except ValueError:
                    raise UsageError(f"invalid value {val!r} for --{key}: use a whole number") from None
            elif isinstance(f, StringSliceFlag):
                values.setdefault(key, []).extend(v for v in val.split(",") if v)
            else:
                values[key] = val
        i += 1
    return values


def flag_values(flags: list[Flag], cli: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """Every declared flag's value: command line, then its env var, then [drivers.X], then default."""
    values: dict[str, Any] = dict(SWARM_DEFAULTS)
    for f in flags:
        if f.name in cli:
            values[f.name] = cli[f.name]
            continue
        env = os.environ.get(f.env_var) if f.env_var else None
        raw: Any = env if env is not None else table.get(f.name)
        if raw is None:
            values[f.name] = False if isinstance(f, BoolFlag) else list(f.value) if isinstance(
                f, StringSliceFlag) else f.value
        elif isinstance(f, BoolFlag):
            values[f.name] = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        elif isinstance(f, IntFlag):
            values[f.name] = int(raw)
        elif isinstance(f, StringSliceFlag):
            values[f.name] = list(raw) if isinstance(raw, list) else [x for x in str(raw).split(",") if x]
        else:
            values[f.name] = str(raw)
    return values


def format_flags(flags: list[Flag]) -> str:
    lines = []
    for f in sorted(flags, key=lambda f: f.name):
        default = "" if isinstance(f, BoolFlag) else f" (default {f.value!r})" if f.value else ""
        env = f" [env {f.env_var}]" if f.env_var else ""
        lines.append(f"  --{f.name:<28} {f.usage}{default}{env}")
    return "\n".join(lines)


def driver_flags(rt: Runtime, name: str) -> list[Flag]:
    driver = rt.new_driver(name)
    try:
        return list(driver.get_create_flags())
    finally:
        driver.close()


def run_start(ctx: typer.Context, *, profile: str | None, driver: str | None, cpus: str | None,
              memory: str | None, disk_size: str | None, iso_url: str | None, force: bool,
              explain: bool, show_help: bool) -> None:
    settings = load_settings()
    name = profile_name(profile, settings)
    rt = Runtime()
    requested = setting({}, "driver", driver)
    if show_help:
        typer.echo(ctx.get_help())
        if requested:
            typer.echo(f"\nOptions of the {rt.info(requested).name} driver:")
            typer.echo(format_flags(driver_flags(rt, rt.load(requested).definition.name)))
        raise typer.Exit()
    cpus_n = parse_count("--cpus", v) if (v := setting(settings, "cpus", cpus)) else DEFAULT_CPUS
    mem = parse_size_mb("--memory", v) if (v := setting(settings, "memory", memory)) else DEFAULT_MEMORY_MB
    disk = parse_size_mb("--disk-size", v) if (v := setting(settings, "disk-size", disk_size)) else DEFAULT_DISK_MB
    machines_exist = rt.machines().exists(name)
    existing_cfg = load_profile(name) if machines_exist else None
    choice = choose(rt, profile=name, requested=requested,
                    existing=existing_cfg.driver if existing_cfg else None,
                    configured=None if requested else setting(settings, "driver", None),
                    explain=explain, force=force)
    dname = choice.loaded.definition.name
    flags = driver_flags(rt, dname) if ctx.args or not machines_exist else []
    cli_values = parse_driver_args(list(ctx.args), flags, dname)
    machines = rt.machines()
    if existing_cfg is not None:
        _ui.info(f'* Starting "{name}" with the {dname} driver ...')
        machines.start(name)
        _ui.info(f'* Done! "{name}" is running.')
        return
    from ._iso import resolve_iso

    iso = resolve_iso(setting(settings, "iso-url", iso_url))
    cluster = ClusterConfig(name=name, driver=dname, cpus=cpus_n, memory=mem, disk_size=disk,
                            minikube_iso=iso, store_path=str(localpath.minikube_home()))
    table = dict((settings.get("drivers") or {}).get(dname) or {})
    cluster.driver_options = flag_values(flags, cli_values, table)
    raw = rt.driver_config(dname, cluster, cluster.driver_options)
    save_profile(cluster)
    _ui.info(f'* Creating {dname} machine "{name}" (CPUs={cpus_n}, Memory={mem}MB, Disk={disk}MB) ...')
    try:
        machines.create(name, dname, raw)
    except KeyboardInterrupt:
        raise MinikubeError("interrupted while creating the machine", reason_id="MK_INTERRUPTED",
                            fix=f"Clean up with: minikube delete -p {name}") from None
    _ui.info(f'* Done! "{name}" is running.')
