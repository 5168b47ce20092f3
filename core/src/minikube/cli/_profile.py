"""``minikube profile [NAME]`` and ``minikube profile list``.

The active profile is the ``profile`` key of config.toml: the same value ``minikube config get
profile`` shows and every command's ``-p`` defaults to (after ``MINIKUBE_PROFILE``), so there is one
place it is kept.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from .._errors import MinikubeError, UsageError
from . import _ui

if TYPE_CHECKING:
    from ..config import ClusterConfig

USAGE = "usage: minikube profile [MINIKUBE_PROFILE_NAME]"


def _active() -> str | None:
    """The active profile, or None when the setting itself is broken (listing still works)."""
    from ._settings import profile_name

    try:
        return profile_name(None)
    except MinikubeError:
        return None


def run_profile(args: list[str]) -> None:
    """Bare: print the active profile.  With a name: make it the active one."""
    from ._settings import profile_name

    if not args:
        _ui.out(profile_name(None))
        return
    if len(args) > 1:
        raise UsageError(USAGE, fix="See: minikube profile --help")
    from ..config import save_settings
    from ._settings import Settings

    settings = Settings()  # a broken config.toml stops us here, before anything is written
    from ._lookup import chosen_profile

    name = chosen_profile(args[0])
    settings.data["profile"] = name
    save_settings(settings.data, settings.path)
    env = os.environ.get("MINIKUBE_PROFILE")
    if env and env != name:
        _ui.warn(f"MINIKUBE_PROFILE={env} is set: it still overrides the saved profile in this shell")
    _ui.info(f"* minikube profile was successfully set to {name}")


# --- profile list ------------------------------------------------------------------------------

def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(valid, invalid) in minikube's shape; a profile whose files cannot be read is invalid."""
    from ..config import list_profiles
    from ..registry import Registry

    machines = Registry().machines()
    profiles = list_profiles()
    configs = {name: _load(name) for name in profiles}
    nodes = {n: [c.machine_name_of(x) for x in c.nodes] if not isinstance(c, MinikubeError) else [n]
             for n, c in configs.items()}
    taken = {m for ms in nodes.values() for m in ms}
    from ._lookup import named_as_node_of

    # A machine with no profile is listed on its own (as an invalid profile), unless it is a node
    # of one: listed by it, or named as its node (a damaged profile's, or one whose record it lost).
    # `minikube delete -p <profile>` removes those; deleting one by its own name never does.
    names = sorted(set(profiles) | {m for m in machines.store.list() if m not in taken
                                    and not any(named_as_node_of(m, p) for p in profiles)})
    ips: dict[str, str] = {}
    every = sorted({m for n in names for m in nodes.get(n, [n])})
    states = machines.states([m for m in every if machines.exists(m)], ips)
    active = _active()
    valid: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for name in names:
        row: dict[str, Any] = {"Name": name, "Status": "", "Config": None, "Active": name == active,
                               "ActiveKubeContext": False}  # no Kubernetes, so no kube context
        cfg = configs[name] if name in configs else _load(name)
        if isinstance(cfg, MinikubeError):
            invalid.append({**row, "Error": cfg.message})
            continue
        row["Status"] = _profile_status([states.get(m) for m in nodes.get(name, [name])])
        config = json.loads(cfg.to_json())
        for node, doc in zip(cfg.nodes, config["Nodes"], strict=True):  # the IP now, else the last recorded
            doc["IP"] = ips.get(cfg.machine_name_of(node), doc["IP"])
        row["Config"] = config
        valid.append(row)
    return valid, invalid


def _load(name: str) -> ClusterConfig | MinikubeError:
    from ..config import load_profile

    try:
        return load_profile(name)
    except MinikubeError as e:
        return e


def _profile_status(states: list[Any]) -> str:
    """One word for the profile: its machines' state when they agree, ``Error`` when one cannot be
    asked, ``Degraded`` when some run and some do not (minikube's word for a partly running cluster)."""
    words = {"Nonexistent" if s is None else "Error" if isinstance(s, MinikubeError) else str(s) or "Nonexistent"
             for s in states}
    if len(words) == 1:
        return words.pop()
    return "Error" if "Error" in words else "Degraded"


def run_profile_list(output: str) -> None:
    valid, invalid = _rows()
    if output == "json":
        _ui.out(json.dumps({"invalid": invalid, "valid": valid}))
        return
    if not valid and not invalid:
        raise MinikubeError("No minikube profile was found.", reason_id="MK_USAGE_NO_PROFILE")
    if valid:
        header = ("PROFILE", "DRIVER", "IP", "STATUS", "NODES", "ACTIVE PROFILE")
        table = [header] + [(p["Name"], p["Config"]["Driver"], p["Config"]["Nodes"][0]["IP"] or "-", p["Status"],
                             str(len(p["Config"]["Nodes"])), "*" if p["Active"] else "") for p in valid]
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        for r in table:
            _ui.out("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    if invalid:
        _ui.warn(f"Found {len(invalid)} invalid profile(s) !")
        for p in invalid:
            _ui.info(f"\t {p['Name']}: {p['Error']}")
        _ui.info("* You can delete them using the following command(s):")
        for p in invalid:
            _ui.info(f"\t $ minikube delete -p {p['Name']}")
