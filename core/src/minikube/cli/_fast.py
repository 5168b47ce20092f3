"""The read-only hot path: ``minikube status``, ``ip`` and ``profile list`` without importing typer.

Typer (with click and rich) costs more to import than everything else these commands do.  Their
whole grammar is ``status [-p NAME] [-o text|json] [-f FORMAT] [-n NODE]``, ``ip [-p NAME] [-n NODE]`` and ``profile list
[-o text|json]``, with the option names from ``_options``.  :func:`parse` understands exactly that and returns None for anything else
(``--help``, an unknown option, a value it is unsure of), which then goes to typer as usual, so a
line is never understood differently: a property test checks every answer against typer's own
parser.
"""

from __future__ import annotations

from ._options import FORMAT, NODE, OUTPUT, PROFILE, OutputFormat

#: command (its words) -> its options: (long, short) -> parameter name
COMMANDS: dict[tuple[str, ...], dict[tuple[str, str], str]] = {
    ("status",): {PROFILE: "profile", OUTPUT: "output", FORMAT: "fmt", NODE: "node"},
    ("ip",): {PROFILE: "profile", NODE: "node"},
    ("profile", "list"): {OUTPUT: "output"},
}
#: what a parameter is when its option is not given (as the typer app declares it)
DEFAULTS: dict[str, str | None] = {"profile": None, "output": OutputFormat.text.value, "fmt": None, "node": None}


def _option(args: list[str], i: int, options: dict[tuple[str, str], str]) -> tuple[str, str, int] | None:
    """``(parameter, value, next index)`` for the option at ``args[i]``, or None."""
    arg = args[i]
    for (long, short), name in options.items():
        if arg in (long, short):
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                return None  # a missing value, or one that looks like an option: typer decides
            return name, args[i + 1], i + 2
        if arg.startswith(long + "="):
            return name, arg[len(long) + 1:], i + 1
        if arg.startswith(short) and len(arg) > len(short) and not arg.startswith("--"):
            return name, arg[len(short):], i + 1
    return None


def parse(args: list[str]) -> tuple[str, dict[str, str | None]] | None:
    """``(command, params)`` for a line the fast path can run, else None (typer decides)."""
    words = next((w for w in COMMANDS if tuple(args[:len(w)]) == w), None)
    if words is None:
        return None
    options = COMMANDS[words]
    params = {name: DEFAULTS[name] for name in options.values()}
    i = len(words)
    while i < len(args):
        found = _option(args, i, options)
        if found is None:
            return None
        name, params[name], i = found
    output = params.get("output")
    if output is not None and output not in {f.value for f in OutputFormat}:
        return None
    return " ".join(words), params


def run(command: str, params: dict[str, str | None]) -> None:
    output = params.get("output") or DEFAULTS["output"] or "text"
    if command == "status":
        from ._status import run_status

        run_status(params["profile"], output, params["fmt"], params["node"])
    elif command == "ip":
        from ._lifecycle import run_ip

        run_ip(params["profile"], params["node"])
    else:
        from ._profile import run_profile_list

        run_profile_list(output)
