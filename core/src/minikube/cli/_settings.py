"""User settings and where each value comes from: flags, then ``MINIKUBE_*``, then config.toml, then defaults.

One table of keys serves ``minikube start`` (precedence), ``minikube config`` (which keys exist
and what values they take) and the README.  A bad value is an error naming where it came from:
the flag, the environment variable, or the key and file of config.toml.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import localpath
from .._errors import ConfigError, InvalidNameError, UsageError
from ..config import DEFAULT_CPUS, DEFAULT_DISK_MB, DEFAULT_PROFILE, load_settings
from ._options import DRIVERS_TABLE, SETTINGS, env_var
from ._resources import default_memory_mb, parse_cpus, parse_memory, toml_type, toml_value
from ._resources import parse_count as parse_count  # re-exported: the parsers' old home
from ._resources import parse_size_mb as parse_size_mb


def _text(raw: Any) -> str:
    """A text value: always so from a flag or variable; config.toml must have it in quotes."""
    if not isinstance(raw, str):
        raise ValueError(f"use text in quotes, not {toml_type(raw)}")
    return raw


def parse_profile(raw: Any) -> str:
    text = _text(raw)
    if not localpath.NAME_RE.match(text) or len(text) > 200:
        raise ValueError(f"a profile name must match {localpath.NAME_RE.pattern}")
    return text


def parse_text(raw: Any) -> str:
    text = _text(raw).strip()
    if not text:
        raise ValueError("use a non-empty text value")
    return text


def parse_iso_urls(raw: Any) -> tuple[str, ...]:
    """``--iso-url`` (repeatable), ``MINIKUBE_ISO_URL`` or config.toml: URLs separated by commas."""
    from ._iso import parse_urls

    return parse_urls(raw)


@dataclass(frozen=True)
class Key:
    """One user setting: its flag, its environment variable, its config.toml key and parser."""

    name: str
    help: str
    parse: Callable[[Any], Any]
    default: Any

    @property
    def flag(self) -> str:
        return "--" + self.name

    @property
    def env_var(self) -> str:
        return env_var(self.name)


#: Each setting's parser and default; names and help come from ``_options.SETTINGS``.
_PARSERS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "driver": (parse_text, None),
    "cpus": (parse_cpus, DEFAULT_CPUS),
    "memory": (parse_memory, default_memory_mb),  # a default that depends on the host: worked out when used
    "disk-size": (parse_size_mb, DEFAULT_DISK_MB),
    "iso-url": (parse_iso_urls, None),
    "profile": (parse_profile, DEFAULT_PROFILE),
}
#: How to mend a bad value of a setting, where a hint helps more than the message alone.
_USAGE_FIXES = {"memory": "Give a size such as 4096, 4096mb or 4g, or max",
                "disk-size": "Give a size such as 20000, 20000mb or 20g",
                "cpus": "Give a whole number such as 2, or max",
                "driver": "Give a driver's name (see: minikube drivers list)",
                "iso-url": ("Give a path, or a file://, http:// or https:// URL; several are separated by "
                            "commas (or --iso-url repeated)")}
KEYS: dict[str, Key] = {name: Key(name, text, *_PARSERS[name]) for name, text in SETTINGS.items()}


@dataclass(frozen=True)
class Resolved:
    value: Any
    source: str  # "--memory", "MINIKUBE_MEMORY", "config.toml", "default"


class Settings:
    """config.toml, read once (a syntax error names the file and line), and the precedence rules."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or localpath.config_file()
        self.data: dict[str, Any] = load_settings(self.path)

    def resolve(self, name: str, flag_value: Any = None) -> Resolved:
        key = KEYS[name]
        if flag_value is not None:
            return Resolved(parse_value(key, flag_value, key.flag, UsageError), key.flag)
        env = os.environ.get(key.env_var)
        if env:
            return Resolved(parse_value(key, env, key.env_var, UsageError), key.env_var)
        if name in self.data:
            where = f"{name} in {self.path}"
            return Resolved(parse_value(key, self.data[name], where, ConfigError), "config.toml")
        return Resolved(key.default() if callable(key.default) else key.default, "default")

    def get(self, name: str, flag_value: Any = None) -> Any:
        return self.resolve(name, flag_value).value

    def profile(self, flag_value: str | None) -> str:
        return str(self.get("profile", flag_value))

    def driver_table(self, driver: str) -> dict[str, Any]:
        tables = self.data.get(DRIVERS_TABLE, {})
        if not isinstance(tables, dict):
            raise self.not_a_table((DRIVERS_TABLE,), tables)
        table = tables.get(driver, {})
        if not isinstance(table, dict):
            raise self.not_a_table((DRIVERS_TABLE, driver), table)
        return dict(table)

    def not_a_table(self, path: tuple[str, ...], value: Any) -> ConfigError:
        """``[drivers] kvm2 = 3``: said with the file, and how to mend it."""
        where = ".".join(path)
        return ConfigError(f"{where} in {self.path} is {toml_value(value)}, not a table of options",
                           reason_id="MK_CONFIG_INVALID",
                           fix=f"Edit {self.path}: make [{where}] a table (key = value lines), or remove {where}")

    def unknown_keys(self) -> list[str]:
        return sorted(k for k in self.data if k not in KEYS and k != DRIVERS_TABLE)


def parse_value(key: Key, raw: Any, where: str, error: type[UsageError] | type[ConfigError]) -> Any:
    try:
        return key.parse(raw)
    except ValueError as e:
        if error is ConfigError:
            raise ConfigError(f"invalid value {toml_value(raw)} for {where}: {e}", reason_id="MK_CONFIG_INVALID",
                              fix=f"Fix it with: minikube config set {key.name} <value>") from None
        if key.parse is parse_profile:  # a bad name: MK_INVALID_NAME, before any file is touched
            raise InvalidNameError(f"invalid profile name {raw!r} ({where}): {e}") from None
        shown = ",".join(map(str, raw)) if isinstance(raw, (list, tuple)) else raw  # a repeated flag
        raise UsageError(f"invalid value {shown!r} for {where}: {e}", fix=_USAGE_FIXES.get(key.name)) from None


def profile_name(flag_value: str | None) -> str:
    """The profile a command acts on: -p, MINIKUBE_PROFILE, config.toml's ``profile``, "minikube"."""
    if flag_value is not None:
        return str(parse_value(KEYS["profile"], flag_value, "--profile", UsageError))
    return Settings().profile(None)
