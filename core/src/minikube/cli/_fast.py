"""The read-only hot path: ``minikube status`` and ``minikube ip`` without importing typer.

Typer (with click and rich) costs more to import than everything else these commands do.  Their
whole grammar is ``status|ip [-p NAME] [-o text|json]`` (``-o`` for status only), with the option
names from ``_options``.  :func:`parse` understands exactly that and returns None for anything else
(``--help``, an unknown option, a value it is unsure of), which then goes to typer as usual, so a
line is never understood differently: a property test checks every answer against typer's own
parser.
"""

from __future__ import annotations

from ._options import OUTPUT, PROFILE, OutputFormat

#: command -> its options: (long, short) -> parameter name
COMMANDS = {"status": {PROFILE: "profile", OUTPUT: "output"}, "ip": {PROFILE: "profile"}}
#: what a parameter is when its option is not given (as the typer app declares it)
DEFAULTS: dict[str, str | None] = {"profile": None, "output": OutputFormat.text.value}


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
    if not args or args[0] not in COMMANDS:
        return None
    options = COMMANDS[args[0]]
    params = {name: DEFAULTS[name] for name in options.values()}
    i = 1
    while i < len(args):
        found = _option(args, i, options)
        if found is None:
            return None
        name, params[name], i = found
    output = params.get("output")
    if output is not None and output not in {f.value for f in OutputFormat}:
        return None
    return args[0], params


def run(command: str, params: dict[str, str | None]) -> None:
    from ._lifecycle import run_ip, run_status

    if command == "status":
        run_status(params["profile"], params["output"] or DEFAULTS["output"] or "text")
    else:
        run_ip(params["profile"])
