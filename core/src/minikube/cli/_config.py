"""``minikube config set|get|unset|view``: user settings in ``$MINIKUBE_HOME/config.toml``.

Keys are the ones in :data:`._settings.KEYS` plus ``drivers.<driver>.<option>`` for a driver's
own options.  Values are checked before the file is written; a file with a syntax error is
reported (file and line) and never overwritten.
"""

from __future__ import annotations

from typing import Any

from .._errors import ConfigError, UsageError
from ..config import save_settings
from . import _ui
from ._settings import DRIVERS_TABLE, KEYS, Settings


def _key_list() -> str:
    return ", ".join(sorted(KEYS)) + f", {DRIVERS_TABLE}.<driver>.<option>"


def _split(key: str) -> tuple[str, ...]:
    if key in KEYS:
        return (key,)
    parts = tuple(key.split("."))
    if len(parts) == 3 and parts[0] == DRIVERS_TABLE and all(parts):
        return parts
    raise UsageError(f"unknown config key {key!r}; valid keys: {_key_list()}",
                     fix="See what each key means with: minikube config --help")


def _checked(path: tuple[str, ...], value: str) -> tuple[tuple[str, ...], Any]:
    """The value as it will be stored, or a usage error naming the key; driver names are resolved."""
    from ._settings import parse_value

    if len(path) == 1:
        key = KEYS[path[0]]
        parsed = parse_value(key, value, key.name, UsageError)
        if key.name == "profile":
            from ._lookup import chosen_profile

            return path, chosen_profile(str(parsed))  # what `minikube profile NAME` refuses, refused
        if key.name == "driver":
            from ..registry import Registry

            return path, Registry().info(value).name  # DRV_NOT_FOUND with "did you mean"
        as_typed = key.name in ("memory", "disk-size", "iso-url") or value.strip().lower() == "max"
        return path, value.strip() if as_typed else parsed  # "4g" and "max" stay so, not today's MB
    from ..registry import Registry
    from ._flags import coerce_for_config, driver_flags

    reg = Registry()
    driver = reg.load_supported(path[1]).name
    flags = {f.name: f for f in driver_flags(reg, driver)}
    if path[2] not in flags:
        known = ", ".join(sorted(flags)) or "none"
        raise UsageError(f"the {driver} driver has no option {path[2]!r}; its options: {known}",
                         fix=f"See them with: minikube drivers info {driver}")
    return (DRIVERS_TABLE, driver, path[2]), coerce_for_config(flags[path[2]], value, ".".join(path))


def run_set(key: str, value: str) -> None:
    settings = Settings()  # a broken file stops us here, before anything is written
    path, stored = _checked(_split(key), value)
    node = settings.data
    for i, part in enumerate(path[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise settings.not_a_table(path[:i + 1], child)
        node = child
    node[path[-1]] = stored
    save_settings(settings.data, settings.path)


def _shown(value: Any) -> str:
    import json

    return json.dumps(value, default=str) if isinstance(value, (list, dict, bool)) else str(value)


def problems(settings: Settings) -> list[ConfigError]:
    """What ``minikube start`` would refuse in config.toml: a bad value, a [drivers] entry that is no table."""
    from ._settings import parse_value

    found: list[ConfigError] = []
    for name, key in KEYS.items():
        if name in settings.data:
            try:
                parse_value(key, settings.data[name], f"{name} in {settings.path}", ConfigError)
            except ConfigError as e:
                found.append(e)
    tables = settings.data.get(DRIVERS_TABLE, {})
    if not isinstance(tables, dict):
        found.append(settings.not_a_table((DRIVERS_TABLE,), tables))
    else:
        found += [settings.not_a_table((DRIVERS_TABLE, d), t) for d, t in tables.items() if not isinstance(t, dict)]
    return found


def _lookup(settings: Settings, key: str) -> Any:
    node: Any = settings.data
    path = _split(key)
    for i, part in enumerate(path):
        if not isinstance(node, dict):
            raise settings.not_a_table(path[:i], node)
        if part not in node:
            raise UsageError(f"{key} is not set in {settings.path}",
                             fix=f"Set it with: minikube config set {key} <value>")
        node = node[part]
    return node


def run_get(key: str) -> None:
    value = _lookup(Settings(), key)
    import json

    _ui.out(json.dumps(value, default=str) if isinstance(value, (list, dict, bool)) else str(value))


def run_unset(key: str) -> None:
    settings = Settings()
    path = _split(key)
    node: Any = settings.data
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or path[-1] not in node:
        return  # unsetting what is not set is not an error, as in minikube
    del node[path[-1]]
    if len(path) == 3 and not settings.data[DRIVERS_TABLE][path[1]]:
        del settings.data[DRIVERS_TABLE][path[1]]
        if not settings.data[DRIVERS_TABLE]:
            del settings.data[DRIVERS_TABLE]
    save_settings(settings.data, settings.path)


def run_view(output: str) -> None:
    import json

    settings = Settings()
    for e in problems(settings):  # shown as they are, with what start would say about them
        _ui.warn(f"{e.message}. {e.fix}")
    if output == "json":
        _ui.out(json.dumps(settings.data, sort_keys=True, default=str))
        return
    for k, v in sorted(settings.data.items()):
        if k == DRIVERS_TABLE and isinstance(v, dict):
            for drv, opts in sorted(v.items()):
                if not isinstance(opts, dict):
                    _ui.out(f"- {k}.{drv}: {_shown(opts)}")
                    continue
                for o, val in sorted(opts.items()):
                    _ui.out(f"- {k}.{drv}.{o}: {_shown(val)}")
        else:
            _ui.out(f"- {k}: {_shown(v)}")
