"""``minikube drivers list`` and ``drivers info``: metadata without imports, health on request."""

from __future__ import annotations

import json
from typing import Any

from .._errors import MinikubeError
from ..registry import DriverInfo, Registry, current_platform
from ..registry._registry import strict_plugins
from . import _ui


def _row(info: DriverInfo) -> dict[str, Any]:
    status = "ok"
    if info.conflict:
        status = "conflict"
    elif info.invalid:
        status = "broken"
    elif not info.api_compatible:
        status = "incompatible"
    return {
        "name": info.name,
        "aliases": list(info.aliases),
        "distribution": info.distribution or None,
        "version": info.version or None,
        "type": info.kind,
        "supported": info.supported if (info.platforms or info.declared or info.executable) else None,
        "platforms": list(info.platforms),
        "priority": info.priority.label if info.priority is not None else None,
        "default": info.default,
        "api": info.api or None,
        "executable": info.executable or None,
        "status": status,
        "conflict": list(info.conflict),
        "shadowed": list(info.shadowed),
        "capabilities": info.capabilities.to_dict(),
        "reasons": [{"id": r.id, "exit_code": r.exit_code, "fix": r.fix, "doc": r.doc} for r in info.reasons],
        "problems": list(info.problems),
        "error": f'driver "{info.name}" from {info.distribution} {info.version}: {info.invalid}' if info.invalid else None,
        "fix": info.fix if info.invalid else None,  # set when the driver is broken (quarantined)
        "health": None,  # the status check's Health, with --health
    }


def _health(reg: Registry, rows: list[dict[str, Any]]) -> None:
    defs = {}
    for row in rows:
        if row["status"] != "ok" or row["supported"] is False:
            row["health"] = None
            if row["supported"] is False and row["status"] == "ok":
                row["status"] = "not applicable"
            continue
        try:
            d = reg.load(row["name"])
        except MinikubeError as e:
            if strict_plugins():
                raise
            row.update(status="broken", error=e.message, fix=e.fix, health=None)
            continue
        row.update(type="builtin" if d.builtin else "external", priority=d.priority.label,
                   default=d.default, supported=d.supported(), platforms=list(d.platforms),
                   capabilities=d.capabilities.to_dict())
        if d.supported():
            defs[d.name] = d
        else:
            row["status"] = "not applicable"
    states = reg.health(list(defs.values()))
    for row in rows:
        if row["name"] in states:
            row["health"] = states[row["name"]].to_dict()


def run_list(output: str, health: bool, refresh: bool) -> None:
    reg = Registry(refresh=refresh)
    rows = [_row(reg.info(n)) for n in reg.names()]
    if health:
        _health(reg, rows)
    if output == "json":
        _ui.out(json.dumps(rows, indent=2))
        return
    plat = current_platform()
    cols = f"{'NAME':<16} {'ALIASES':<10} {'DISTRIBUTION':<30} {'VERSION':<10} {'TYPE':<9} {'PRIORITY':<16} {'ON ' + plat:<16}"
    _ui.out(cols + ("  HEALTH" if health else ""))
    for r in rows:
        supported = {True: "yes", False: "no", None: "?"}[r["supported"]]
        line = (f"{r['name']:<16} {','.join(r['aliases']) or '-':<10} {r['distribution'] or '(PATH)':<30} "
                f"{r['version'] or '-':<10} {r['type']:<9} {r['priority'] or '?':<16} {supported:<16}")
        if health:
            h = r.get("health")
            line += "  " + (_health_text(h) if h else r.get("status", ""))
        _ui.out(line.rstrip())
        for note in _notes(r):
            _ui.out(f"    ! {note}")


def _health_text(h: dict[str, Any]) -> str:
    if h["healthy"]:
        version = f" [{h['version']}]" if h.get("version") else ""  # what the check found (e.g. its tools)
        return "healthy" + version + (f" (needs improvement: {h['fix']})" if h["needs_improvement"] else "")
    what = "not installed" if not h["installed"] else "unhealthy"
    return f"{what}: {h['error']}" + (f" [{h['reason']}]" if h["reason"] else "") + (
        f" -- fix: {h['fix']}" if h["fix"] else "")


def _capabilities_text(caps: dict[str, Any]) -> str:
    words = [f"mounts ({', '.join(caps['mounts'])})"] if caps["mounts"] else []
    words += [k for k in ("multinode", "parallel", "needs_root", "boot_image") if caps.get(k)]
    return ", ".join(words) or "(none)"


def _notes(r: dict[str, Any]) -> list[str]:
    notes = []
    if r["status"] == "conflict":
        notes.append(f"conflict: claimed by {' and '.join(r['conflict'])}; using it is an error")
    if r["status"] == "incompatible":
        from .._version import DRIVER_API_VERSION

        notes.append(f"incompatible: supports driver API {r['api']}, this minikube implements {DRIVER_API_VERSION}")
    if r["status"] == "broken":
        notes.append(f"broken (quarantined): {r['error']} -- fix: {r['fix']}")
    for s in r["shadowed"]:
        notes.append(f"shadowed (not used): {s}")
    notes.extend(p for p in r["problems"] if "conflict" not in p)
    return notes


def run_info(name: str, output: str) -> None:
    reg = Registry()
    info = reg.info(name)
    row = _row(info)
    _health(reg, [row])
    if row.get("status") == "broken":
        raise MinikubeError(row["error"], reason_id="DRV_PLUGIN_BROKEN", fix=row["fix"])
    info.check_usable()
    flags: list[dict[str, Any]] = []
    if row.get("supported") is not False:
        from ._flags import describe, driver_flags

        flags = describe(driver_flags(reg, info.name))
    row["flags"] = flags
    if output == "json":
        _ui.out(json.dumps(row, indent=2))
        return
    for k in ("name", "aliases", "distribution", "version", "type", "priority", "default", "platforms",
              "supported", "api", "status"):
        _ui.out(f"{k + ':':<14} {row[k]}")
    _ui.out(f"{'capabilities:':<14} {_capabilities_text(row['capabilities'])}")
    for r in row["reasons"]:
        _ui.out(f"{'reason:':<14} {r['id']} (exit {r['exit_code']})" + (f": {r['fix']}" if r["fix"] else ""))
    if row.get("health"):
        _ui.out(f"{'health:':<14} {_health_text(row['health'])}")
    for note in _notes(row):
        _ui.out(f"! {note}")
    _ui.out("flags:" if flags else "flags:        (none)")
    for f in flags:
        _ui.out(f"  --{f['name']:<28} {f['type']:<12} {f['usage']} (default {f['default']!r})"
                + (f" [env {f['env_var']}]" if f["env_var"] else ""))
