"""``minikube config set|get|unset|view``: user settings in config.toml."""

from __future__ import annotations

import json
from typing import Any

from .._errors import UsageError
from ..config import load_settings, save_settings
from . import _ui

KEYS = {"driver": str, "cpus": int, "memory": str, "disk-size": str, "iso-url": str, "profile": str}


def _split(key: str) -> tuple[str, ...]:
    if key in KEYS:
        return (key,)
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "drivers" and all(parts):
        return tuple(parts)
    raise UsageError(f"unknown config key {key!r}; valid keys: {', '.join(sorted(KEYS))}, "
                     "and drivers.<driver>.<option>")


def _coerce(key: tuple[str, ...], value: str) -> Any:
    if len(key) == 1:
        if KEYS[key[0]] is int:
            try:
                return int(value)
            except ValueError:
                raise UsageError(f"invalid value {value!r} for {key[0]}: use a whole number") from None
        return value
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(value)
    except ValueError:
        return value


def run_set(key: str, value: str) -> None:
    path = _split(key)
    settings = load_settings()
    node = settings
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = _coerce(path, value)
    save_settings(settings)


def run_get(key: str) -> None:
    node: Any = load_settings()
    for part in _split(key):
        if not isinstance(node, dict) or part not in node:
            raise UsageError(f"{key} is not set", reason_id="MK_USAGE")
        node = node[part]
    _ui.out(str(node))


def run_unset(key: str) -> None:
    path = _split(key)
    settings = load_settings()
    node = settings
    for part in path[:-1]:
        node = node.get(part, {})
    node.pop(path[-1], None)
    save_settings(settings)


def run_view(output: str) -> None:
    settings = load_settings()
    if output == "json":
        _ui.out(json.dumps(settings))
        return
    for k, v in sorted(settings.items()):
        if isinstance(v, dict):
            for drv, opts in sorted(v.items()):
                for o, val in sorted((opts or {}).items()):
                    _ui.out(f"- {k}.{drv}.{o}: {val}")
        else:
            _ui.out(f"- {k}: {v}")
