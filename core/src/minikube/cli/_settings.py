"""User settings and where each value comes from: flags, then ``MINIKUBE_*``, then config.toml, then defaults.

One table of keys serves ``minikube start`` (precedence), ``minikube config`` (which keys exist
and what values they take) and the README.  A bad value is an error naming where it came from:
the flag, the environment variable, or the key and file of config.toml.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import localpath
from .._errors import ConfigError, InvalidNameError, UsageError
from ..config import DEFAULT_CPUS, DEFAULT_DISK_MB, DEFAULT_MEMORY_MB, DEFAULT_PROFILE, load_settings
from ._options import DRIVERS_TABLE, SETTINGS, env_var

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNIT_MB = {"k": 1 / 1024, "": 1, "m": 1, "g": 1024, "t": 1024 * 1024}


def parse_size_mb(raw: Any) -> int:
    """``2048``, ``2048mb``, ``2g``, ``1.5gb`` -> MB (a bare number is MB, as in minikube)."""
    m = _SIZE_RE.match(str(raw)) if not isinstance(raw, bool) else None
    mb = int(float(m.group(1)) * _UNIT_MB[m.group(2).lower()]) if m else 0
    if mb < 1:
        raise ValueError("use a positive size such as 4096, 4096mb or 4g")
    return mb


def parse_count(raw: Any) -> int:
    try:
        n = int(str(raw).strip()) if not isinstance(raw, bool) else 0
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError("use a whole number of at least 1")
    return n


def parse_profile(raw: Any) -> str:
    text = str(raw)
    if not localpath.NAME_RE.match(text) or len(text) > 200:
        raise ValueError(f"a profile name must match {localpath.NAME_RE.pattern}")
    return text


def parse_text(raw: Any) -> str:
    text = str(raw).strip()
    if not text or isinstance(raw, (bool, list, dict)):
        raise ValueError("use a non-empty text value")
    return text


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
    "cpus": (parse_count, DEFAULT_CPUS),
    "memory": (parse_size_mb, DEFAULT_MEMORY_MB),
    "disk-size": (parse_size_mb, DEFAULT_DISK_MB),
    "iso-url": (parse_text, None),
    "profile": (parse_profile, DEFAULT_PROFILE),
}
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
        return Resolved(key.default, "default")

    def get(self, name: str, flag_value: Any = None) -> Any:
        return self.resolve(name, flag_value).value

    def profile(self, flag_value: str | None) -> str:
        return str(self.get("profile", flag_value))

    def driver_table(self, driver: str) -> dict[str, Any]:
        tables = self.data.get(DRIVERS_TABLE) or {}
        if not isinstance(tables, dict):
            raise ConfigError(f"{DRIVERS_TABLE} in {self.path} must be a table of [drivers.<name>] tables",
                              reason_id="MK_CONFIG_INVALID", fix=f"Fix or remove it in {self.path}")
        table = tables.get(driver) or {}
        if not isinstance(table, dict):
            raise ConfigError(f"{DRIVERS_TABLE}.{driver} in {self.path} must be a table of options",
                              reason_id="MK_CONFIG_INVALID", fix=f"Fix or remove it in {self.path}")
        return dict(table)

    def unknown_keys(self) -> list[str]:
        return sorted(k for k in self.data if k not in KEYS and k != DRIVERS_TABLE)


def parse_value(key: Key, raw: Any, where: str, error: type[UsageError] | type[ConfigError]) -> Any:
    try:
        return key.parse(raw)
    except ValueError as e:
        if error is ConfigError:
            raise ConfigError(f"invalid value {raw!r} for {where}: {e}", reason_id="MK_CONFIG_INVALID",
                              fix=f"Fix it with: minikube config set {key.name} <value>") from None
        if key.parse is parse_profile:  # a bad name: MK_INVALID_NAME, before any file is touched
            raise InvalidNameError(f"invalid profile name {raw!r} ({where}): {e}") from None
        raise UsageError(f"invalid value {raw!r} for {where}: {e}") from None


def profile_name(flag_value: str | None) -> str:
    """The profile a command acts on: -p, MINIKUBE_PROFILE, config.toml's ``profile``, "minikube"."""
    if flag_value is not None:
        return str(parse_value(KEYS["profile"], flag_value, "--profile", UsageError))
    return Settings().profile(None)
