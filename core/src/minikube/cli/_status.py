"""``minikube status``: the machine's state as minikube prints it, as JSON, or through ``--format``.

This is a machines-only minikube: there is no Kubernetes in the guest.  The Kubernetes fields keep
minikube's names and rules so scripts written for minikube read them the same way: while the host
runs they are ``Irrelevant`` (minikube's word for a component a node does not have), and when it
does not, every field is the host's state, as in minikube.  The exit code is minikube's: 0 when
running, 7 when not, 85 when there is no such profile.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from .._errors import UsageError
from . import _ui

#: minikube's status fields, in its order; ``--format`` may name any of them.
FIELDS = ("Name", "Host", "Kubelet", "APIServer", "Kubeconfig", "Worker", "TimeToStop", "DockerEnv", "PodManEnv")
#: The fields ``-o json`` always has (minikube omits the others when they are empty).
JSON_FIELDS = FIELDS[:6]
IRRELEVANT = "Irrelevant"
NONEXISTENT = "Nonexistent"

#: minikube's default ``--format``: the text output.
DEFAULT_FORMAT = ("{{.Name}}\ntype: Control Plane\nhost: {{.Host}}\nkubelet: {{.Kubelet}}\n"
                  "apiserver: {{.APIServer}}\nkubeconfig: {{.Kubeconfig}}\n\n")

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_FIELD = re.compile(r"^\.([A-Za-z_][A-Za-z0-9_]*)$")


def compile_format(fmt: str) -> list[tuple[str, str | None]]:
    """``--format`` as (text, field or None) pieces.

    The subset of Go's templates that status formats use: ``{{.Field}}`` placeholders, with
    ``{{-`` and ``-}}`` trimming the whitespace beside them.  Nothing is evaluated; any other
    action, an unknown field or an unclosed ``{{`` is a usage error, found before any machine
    is asked."""
    pieces: list[tuple[str, str | None]] = []
    pos, trim_next = 0, False
    for m in _ACTION.finditer(fmt):
        text = fmt[pos:m.start()]
        if trim_next:
            text = text.lstrip()
        if m.group(1):
            text = text.rstrip()
        found = _FIELD.match(m.group(2).strip())
        if found is None:
            raise UsageError(f"unsupported --format action {m.group(0)!r}: only {{{{.Field}}}} placeholders are "
                             f"supported ({', '.join(FIELDS)})", fix="See: minikube status --help")
        if found.group(1) not in FIELDS:
            raise UsageError(f"unknown field {found.group(1)!r} in --format; the fields are: {', '.join(FIELDS)}",
                             fix="See: minikube status --help")
        pieces.append((text, found.group(1)))
        pos, trim_next = m.end(), bool(m.group(3))
    rest = fmt[pos:]
    if "{{" in rest:
        raise UsageError(f"unclosed action in --format {fmt!r}", fix="See: minikube status --help")
    pieces.append((rest.lstrip() if trim_next else rest, None))
    return pieces


def render(pieces: list[tuple[str, str | None]], status: dict[str, Any]) -> str:
    def value(field: str) -> str:
        v = status.get(field, "")
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    return "".join(text + (value(field) if field else "") for text, field in pieces)


def machine_status(name: str, host: str) -> dict[str, Any]:
    """minikube's status record for a machine whose host state is ``host``."""
    others = IRRELEVANT if host == "Running" else host
    return {"Name": name, "Host": host, "Kubelet": others, "APIServer": others, "Kubeconfig": others,
            "Worker": False}


def exit_code(status: dict[str, Any]) -> int:
    """minikube's: 1 host not running, 2 kubelet or apiserver not running, 4 kubeconfig not configured."""
    code = 0 if status["Host"] == "Running" else 1
    if any(status[k] not in ("Running", IRRELEVANT) for k in ("Kubelet", "APIServer")):
        code |= 2
    if status["Kubeconfig"] not in ("Configured", IRRELEVANT):
        code |= 4
    return code


WORKER_FORMAT = "{{.Name}}\ntype: Worker\nhost: {{.Host}}\nkubelet: {{.Kubelet}}\n\n"


def run_status(profile: str | None, output: str, fmt: str | None = None, node: str | None = None) -> None:
    if fmt is not None and output != "text":
        raise UsageError("Cannot use both --output and --format options", fix="See: minikube status --help")
    pieces = compile_format(DEFAULT_FORMAT if fmt is None else fmt)
    from ._lookup import not_found
    from ._settings import profile_name

    name = profile_name(profile)
    if not _has_profile(name):  # cheap when it is a profile: a node's machine is none
        from ._lookup import refuse_node_as_profile

        refuse_node_as_profile(name)
    nodes = _nodes(name, node)  # (machine, worker) each, the primary first
    from ..registry import Registry

    machines = Registry().machines()
    existing = [m for m, _ in nodes if machines.exists(m)]
    if not existing and node is None and not _has_profile(name):
        raise not_found(name)
    states = machines.states(existing)
    records = []
    for machine, worker in nodes:
        state = states.get(machine)
        if isinstance(state, Exception):
            raise state  # a machine that cannot be asked (a corrupt record, a broken driver): say why
        host = NONEXISTENT if state is None else str(state) or NONEXISTENT
        record = {**machine_status(machine, host), "Worker": worker}
        if worker:  # minikube's: a worker has no API server and no kubeconfig of its own
            record.update(APIServer=IRRELEVANT, Kubeconfig=IRRELEVANT)
        records.append(record)
    if output == "json":
        shown = [{k: r[k] for k in JSON_FIELDS} for r in records]
        _ui.out(json.dumps(shown[0] if len(shown) == 1 else shown))
    elif fmt is not None:
        sys.stdout.write(render(pieces, records[0]))  # a custom format shows the first node, as minikube's
    else:
        worker_pieces = compile_format(WORKER_FORMAT)
        sys.stdout.write("".join(render(worker_pieces if r["Worker"] else pieces, r) for r in records))
    sys.stdout.flush()  # as the template says: no newline added
    code = 0
    for r in records:
        code |= exit_code(r)
    raise SystemExit(code)


def _has_profile(name: str) -> bool:
    from ..config import profile_path

    return profile_path(name).is_file()


def _nodes(name: str, node: str | None) -> list[tuple[str, bool]]:
    """The machines ``status`` shows, each with whether it is a worker: every node of the profile
    (just the primary when its config cannot be read), or the one ``-n`` names."""
    from .._errors import NotFoundError
    from ..config import load_profile

    if node is not None:
        from ._lookup import node_machine

        machine = node_machine(name, node)
        return [(machine, machine != name)]
    try:
        cfg = load_profile(name)  # a damaged config is GUEST_CONFIG_CORRUPT: its nodes are unknown
    except NotFoundError:
        return [(name, False)]
    return [(cfg.machine_name_of(n), bool(n.name) and not n.control_plane) for n in cfg.nodes]
