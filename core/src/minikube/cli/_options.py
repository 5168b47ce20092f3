"""The options several commands share, defined once: the typer app declares them from here, and
the read-only fast path (``_fast``) reads the same names, so the two cannot drift apart
(``tests/cli/test_fast_path.py`` proves the fast path accepts only what typer accepts)."""

from __future__ import annotations

import enum

PROFILE = ("--profile", "-p")
OUTPUT = ("--output", "-o")
FORMAT = ("--format", "-f")
NODE = ("--node", "-n")

#: The user settings (``minikube config``; also ``--<name>`` and ``MINIKUBE_<NAME>``): name -> what
#: it is.  ``_settings.KEYS`` adds each one's parser and default; the app's help reads this table,
#: so ``minikube --help`` imports none of the settings machinery.
SETTINGS = {
    "driver": "Driver to use when a new machine is made (name or alias)",
    "cpus": "Number of CPUs of a new machine (2 or more, or max)",
    "memory": "Memory of a new machine (4096, 4096mb, 4g, or max)",
    "disk-size": "Disk size of a new machine (20000mb, 20g)",
    "iso-url": "Boot images tried in order (commas): paths, file://, http(s):// URLs [default: minikube's ISO]",
    "profile": "The profile commands act on when -p is not given",
}
#: The config.toml table of per-driver options: ``[drivers.<name>]``.
DRIVERS_TABLE = "drivers"


def env_var(setting: str) -> str:
    return "MINIKUBE_" + setting.upper().replace("-", "_")


def keys_help() -> str:
    """The ``minikube config`` keys, for its help."""
    lines = [f"  {name:<10} {text} [env {env_var(name)}]" for name, text in SETTINGS.items()]
    lines.append(f"  {DRIVERS_TABLE}.<driver>.<option>")
    lines.append(f"  {'':<10} A driver's own option (see: minikube drivers info <driver>)")
    return "\n".join(lines)


class OutputFormat(str, enum.Enum):
    """``-o``: people read text; scripts read JSON (shapes documented in the README)."""

    text = "text"
    json = "json"
