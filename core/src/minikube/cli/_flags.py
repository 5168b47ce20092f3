"""A driver's own options: its create flags, from the command line, its env vars and config.toml.

Nothing here knows any driver: the flags come from the driver itself (``get_create_flags``, over
the plugin protocol for external drivers).  Precedence per flag: ``--<flag>`` on the command line,
then the flag's environment variable, then ``[drivers.<name>]`` in config.toml, then its default.
"""

from __future__ import annotations

import difflib
from typing import Any

from .._errors import ConfigError, MinikubeError, UsageError
from ..machine import BoolFlag, Flag, IntFlag, StringFlag, StringSliceFlag
from ..registry import Registry

#: libmachine passes these to every driver's set_config_from_flags (BaseDriver reads them).
SWARM_DEFAULTS: dict[str, Any] = {"swarm-master": False, "swarm-host": "", "swarm-discovery": ""}

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def driver_flags(reg: Registry, name: str) -> list[Flag]:
    """The driver's create flags, asked from the driver itself (a short-lived driver: for help,
    ``drivers info`` and ``config set``; ``start`` asks the driver it keeps)."""
    driver = reg.new_driver(name)
    try:
        return list(driver.get_create_flags())
    finally:
        driver.close()


def type_name(f: Flag) -> str:
    return {StringFlag: "string", StringSliceFlag: "string list", IntFlag: "int", BoolFlag: "bool"}[type(f)]


def default_of(f: Flag) -> Any:
    if isinstance(f, BoolFlag):
        return False
    if isinstance(f, StringSliceFlag):
        return list(f.value)
    return f.value


def describe(flags: list[Flag]) -> list[dict[str, Any]]:
    """The flags as ``drivers info -o json`` shows them."""
    return [{"name": f.name, "type": type_name(f), "usage": f.usage, "env_var": f.env_var or None,
             "default": default_of(f)} for f in sorted(flags, key=lambda f: f.name)]


def format_help(flags: list[Flag], indent: str = "  ") -> str:
    if not flags:
        return f"{indent}(this driver has no options)"
    lines = []
    for f in sorted(flags, key=lambda f: f.name):
        arg = "" if isinstance(f, BoolFlag) else f" {type_name(f).replace(' ', '-')}"
        default = default_of(f)
        extra = []
        if default not in ("", [], 0, False):
            extra.append(f"default {default!r}")
        if f.env_var:
            extra.append(f"env {f.env_var}")
        tail = f" [{'; '.join(extra)}]" if extra else ""
        lines.append(f"{indent}--{f.name + arg:<32} {f.usage}{tail}")
    return "\n".join(lines)


def _coerce(f: Flag, raw: Any, where: str, error: type[MinikubeError]) -> Any:
    """One value for a flag, from text (command line, environment) or TOML (config.toml)."""
    def bad(what: str) -> MinikubeError:
        kw: dict[str, Any] = {}
        if error is ConfigError:  # where = "drivers.<driver>.<option> in <file>"
            kw = {"reason_id": "MK_CONFIG_INVALID", "fix": f"Fix it with: minikube config set {where.split()[0]} <value>"}
        return error(f"invalid value {raw!r} for {where}: {what}", **kw)

    if isinstance(f, BoolFlag):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise bad("use true or false")
    if isinstance(f, IntFlag):
        if isinstance(raw, bool):
            raise bad("use a whole number")
        try:
            return int(str(raw).strip())
        except ValueError:
            raise bad("use a whole number") from None
    if isinstance(f, StringSliceFlag):
        if isinstance(raw, (list, tuple)):
            return [str(x) for x in raw]
        return [x.strip() for x in str(raw).split(",") if x.strip()]
    if isinstance(raw, (list, dict)):
        raise bad("use a text value")
    return str(raw)


def _unknown(option: str, driver: str, flags: list[Flag], core: tuple[str, ...]) -> str:
    known = sorted("--" + f.name for f in flags)
    close = difflib.get_close_matches(option, known + list(core), n=2, cutoff=0.7)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    listing = ", ".join(known) if known else "it has none"
    return f"unknown option {option} for the {driver} driver.{hint} The {driver} driver's options: {listing}"


def parse_cli(args: list[str], flags: list[Flag], driver: str, core: tuple[str, ...] = ()) -> dict[str, Any]:
    """``--kvm-network x``, ``--kvm-network=x``, ``--flag`` (bool) against the driver's flags."""
    by_name = {f.name: f for f in flags}
    values: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            raise UsageError(f"unexpected arguments: {' '.join(args[i + 1:]) or '--'}")
        if not arg.startswith("-") or arg == "-":
            raise UsageError(f"unexpected argument {arg!r}: minikube start takes options only")
        key, eq, val = arg.lstrip("-").partition("=")
        f = by_name.get(key) if arg.startswith("--") else None
        if f is None:
            raise UsageError(_unknown(arg.partition("=")[0], driver, flags, core),
                             fix=f"See them with: minikube start --driver={driver} --help")
        where = f"--{key}"
        if isinstance(f, BoolFlag):
            values[key] = _coerce(f, val, where, UsageError) if eq else True
        else:
            if not eq:
                i += 1
                if i >= len(args):
                    raise UsageError(f"option --{key} needs a value")
                val = args[i]
            value = _coerce(f, val, where, UsageError)
            if isinstance(f, StringSliceFlag):
                values.setdefault(key, []).extend(value)
            else:
                values[key] = value
        i += 1
    return values


def resolve(flags: list[Flag], cli: dict[str, Any], table: dict[str, Any], table_where: str,
            driver: str, environ: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Every declared flag's value and where it came from: command line, env var, [drivers.X], default."""
    by_name = {f.name: f for f in flags}
    unknown = sorted(k for k in table if k not in by_name)
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise ConfigError(f"unknown option {unknown[0]!r} in [drivers.{driver}] of {table_where}; "
                          f"the {driver} driver's options: {known}", reason_id="MK_CONFIG_INVALID",
                          fix=f"Remove it with: minikube config unset drivers.{driver}.{unknown[0]}")
    values: dict[str, Any] = dict(SWARM_DEFAULTS)
    sources: dict[str, str] = {}
    for f in flags:
        env = environ.get(f.env_var) if f.env_var else None
        if f.name in cli:
            values[f.name], sources[f.name] = cli[f.name], f"--{f.name}"
        elif env is not None and env != "":
            values[f.name] = _coerce(f, env, f.env_var, UsageError)
            sources[f.name] = f.env_var
        elif f.name in table:
            where = f"drivers.{driver}.{f.name} in {table_where}"
            values[f.name], sources[f.name] = _coerce(f, table[f.name], where, ConfigError), "config.toml"
        else:
            values[f.name], sources[f.name] = default_of(f), "default"
    return values, sources


def coerce_for_config(f: Flag, raw: str, key: str) -> Any:
    """``minikube config set drivers.X.opt value``: checked now, stored as TOML of the right type."""
    return _coerce(f, raw, key, UsageError)
