"""The typer app: every command's options, with bodies in sibling modules imported on use.

So ``minikube --help`` imports no driver, and shell completion (typer's) of driver and profile names reads names only.  Every error a user
can cause ends as one ``Exiting due to <ID>: <message>`` line with minikube's exit code: usage
errors from click included, tracebacks never (``-v 2`` shows one for an internal error).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from .._errors import MinikubeError, UsageError
from .._version import __version__
from ._options import FORMAT, NODE, OUTPUT, PROFILE, OutputFormat, keys_help

app = typer.Typer(
    name="minikube",
    help="minikube: local virtual machines through pluggable drivers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # minikube's (cobra's) -h, on every command
)
drivers_app = typer.Typer(help="List and inspect the installed drivers.", no_args_is_help=True,
                          rich_markup_mode=None)


class _ProfileGroup(typer.core.TyperGroup):
    """``profile list`` is a command; any other word is ``profile NAME`` (set the active profile),
    as in minikube, where a profile may be called anything that is not ``list``."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        found = self.commands.get(args[0]) if args else None
        if args and not args[0].startswith("-") and (found is None or found.hidden):
            return _SET_PROFILE, self.commands[_SET_PROFILE], args
        return super().resolve_command(ctx, args)


_SET_PROFILE = "set-active"
profile_app = typer.Typer(help="Print the active profile; `minikube profile NAME` makes NAME the active one "
                               "(`default` is minikube); `minikube profile list` lists them all.",
                          cls=_ProfileGroup, invoke_without_command=True, no_args_is_help=False,
                          subcommand_metavar="[NAME] | list [-o json]", rich_markup_mode=None)
config_app = typer.Typer(
    help="User settings in $MINIKUBE_HOME/config.toml.\n\nPrecedence: command-line flags, then MINIKUBE_* "
         "environment variables, then config.toml, then defaults.\n\n\b\nKeys:\n" + keys_help(),
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(drivers_app, name="drivers")
app.add_typer(profile_app, name="profile")
node_app = typer.Typer(help="Add, remove, start, stop and list the nodes (machines) of a profile.",
                       no_args_is_help=True, rich_markup_mode=None)
app.add_typer(config_app, name="config")
app.add_typer(node_app, name="node")


def _complete_drivers(incomplete: str) -> list[str]:
    """Names and aliases from the discovery index: no driver is imported."""
    from ..registry import Registry

    return [n for n in Registry().all_names() if n.startswith(incomplete)]


def _complete_profiles(incomplete: str) -> list[str]:
    from ..config import list_profiles

    return [n for n in list_profiles() if n.startswith(incomplete)]


Profile = Annotated[str | None, typer.Option(
    *PROFILE, help="The profile (cluster) name [env MINIKUBE_PROFILE; config: profile].",
    autocompletion=_complete_profiles, show_default="minikube")]
Output = Annotated[OutputFormat, typer.Option(*OUTPUT, help="Output format.")]
#: minikube's --wait-timeout default, as Go prints it.
DEFAULT_WAIT = "6m0s"
WaitTimeout = Annotated[str, typer.Option(
    "--wait-timeout", metavar="DURATION", help="How long to wait for each machine to answer SSH before giving up "
    "(Go's duration form: 6m0s, 90s).")]
NodeOption = Annotated[str | None, typer.Option(
    *NODE, help="The node: m02, or its machine's name (minikube-m02) [default: the primary node].")]


def _version_cb(value: bool) -> None:
    if value:
        typer.echo(f"minikube version: v{__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                          callback=_version_cb, is_eager=True)] = False,
    verbose: Annotated[int, typer.Option("--v", "-v", help="Log verbosity: 1 info, 2 debug (driver logs "
                                                            "included); allowed anywhere on the line.")] = 0,
    alsologtostderr: Annotated[bool, typer.Option("--alsologtostderr",
                                                  help="Log to stderr (driver logs included).")] = False,
) -> None:
    """minikube: local virtual machines through pluggable drivers."""
    if verbose or alsologtostderr:  # only when called as a library: main() takes them off first
        from ._ui import setup_logging

        setup_logging(verbose, alsologtostderr)


@app.command("version")
def version_cmd() -> None:
    """Print the version of minikube."""
    typer.echo(f"minikube version: v{__version__}")


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
def start(
    ctx: typer.Context,
    profile: Profile = None,
    driver: Annotated[str | None, typer.Option(
        "--driver", "-d", help="Driver to use [env MINIKUBE_DRIVER; config: driver].",
        autocompletion=_complete_drivers)] = None,
    cpus: Annotated[str | None, typer.Option("--cpus", help="Number of CPUs (at least 2), or max: all of this computer's [default: 2].")] = None,
    memory: Annotated[str | None, typer.Option(
        "--memory", help="Memory: 4096, 4096mb, 4g (at least 1800mb), or max: this computer's less 1024mb "
                         "[default: a quarter of this computer's, 3072mb to 6144mb].")] = None,
    disk_size: Annotated[str | None, typer.Option(
        "--disk-size", help="Disk size: 20000mb, 20g (at least 2000mb) [default: 20000mb].")] = None,
    iso_url: Annotated[list[str] | None, typer.Option(
        "--iso-url", metavar="URL", help="Boot image: a path, file://, http(s):// (with ?checksum=sha256:<hex>); several "
        "(commas, or repeated) are tried in order [default: minikube's ISO for VM drivers].")] = None,
    force: Annotated[bool, typer.Option("--force", help="Carry on past failed driver health checks, and too little or too "
                                        "much memory, CPUs or disk.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Say why each driver was picked or not.")] = False,
    nodes: Annotated[int | None, typer.Option(
        "--nodes", "-n", help="The number of nodes (machines) to make: the primary, then m02, m03... "
                              "(needs a driver with the capability 'multinode') [default: 1].")] = None,
    want_help: Annotated[bool, typer.Option("--help", "-h", help="Show this message, and the driver's own "
                                                                  "options with --driver.")] = False,
    output: Annotated[OutputFormat, typer.Option(*OUTPUT, help="Output format: text, or json for minikube's "
                                                 "event stream (one CloudEvent per line).")] = OutputFormat.text,
    mount: Annotated[bool, typer.Option("--mount", help="Ignored, as in minikube: --mount-string alone "
                                        "mounts.")] = False,
    mount_string: Annotated[str, typer.Option(
        "--mount-string", metavar="SRC:DST", help="Share host directory SRC at DST in the guest, mounted after "
        "every start.")] = "",
    mount_type: Annotated[str | None, typer.Option(
        "--mount-type", help="virtiofs or 9p [default: the first kind the driver declares].")] = None,
    mount_9p_version: Annotated[str, typer.Option("--mount-9p-version", help="9p protocol version.")] = "9p2000.L",
    mount_uid: Annotated[str, typer.Option("--mount-uid", help="Guest owner of the shared files (user or uid; virtiofs: a uid or docker).")] = "docker",
    mount_gid: Annotated[str, typer.Option("--mount-gid", help="Guest group of the shared files (group or gid; virtiofs: a gid or docker).")] = "docker",
    mount_msize: Annotated[int, typer.Option("--mount-msize", help="9p: bytes per packet.")] = 262144,
    mount_options: Annotated[list[str] | None, typer.Option(
        "--mount-options", metavar="K=V", help="More guest mount options, key=value or key (repeat).")] = None,
    mount_ip: Annotated[str, typer.Option("--mount-ip", help="Ignored: shares are virtio devices, not TCP.")] = "",
    mount_port: Annotated[int, typer.Option("--mount-port", help="Ignored: shares are virtio devices, not TCP.")] = 0,
    wait_timeout: WaitTimeout = DEFAULT_WAIT,
) -> None:
    """Start a machine (create it the first time). The chosen driver's own options
    (minikube start --driver=NAME --help) are accepted too."""
    from . import _ui
    from ._mount import MountRequest
    from ._start import run_start

    _ui.set_output(output.value)
    request = MountRequest(mount_string, mount_type, mount_9p_version, mount_uid, mount_gid, mount_msize,
                           list(mount_options or []), mount_ip, mount_port)
    run_start(ctx, profile=profile, driver=driver, cpus=cpus, memory=memory, disk_size=disk_size,
              iso_url=iso_url, force=force, explain=explain, want_help=want_help, mounts=request, nodes=nodes,
              wait_timeout=wait_timeout)


@app.command("mount")
def mount_cmd(
    spec: Annotated[str, typer.Argument(metavar="SRC:DST", help="Host directory and guest path.")] = "",
    profile: Profile = None,
    mount_type: Annotated[str | None, typer.Option(
        "--type", help="virtiofs or 9p [default: the first kind the driver declares].")] = None,
    version: Annotated[str, typer.Option("--9p-version", help="9p protocol version.")] = "9p2000.L",
    uid: Annotated[str, typer.Option("--uid", help="Guest owner of the shared files (user or uid; virtiofs: a uid or docker).")] = "docker",
    gid: Annotated[str, typer.Option("--gid", help="Guest group of the shared files (group or gid; virtiofs: a gid or docker).")] = "docker",
    msize: Annotated[int, typer.Option("--msize", help="9p: bytes per packet.")] = 262144,
    options: Annotated[list[str] | None, typer.Option(
        "--options", metavar="K=V", help="More guest mount options, key=value or key (repeat).")] = None,
    ip: Annotated[str, typer.Option("--ip", help="Ignored: shares are virtio devices, not TCP.")] = "",
    port: Annotated[int, typer.Option("--port", help="Ignored: shares are virtio devices, not TCP.")] = 0,
    kill: Annotated[bool, typer.Option("--kill", help="Stop this profile's mount processes.")] = False,
) -> None:
    """Share a host directory with the running machine while this command runs (Ctrl-C unmounts).
    Needs a driver that can add a device to a running machine; others take --mount-string at start."""
    from ._mount import MountRequest, run_mount

    run_mount(profile, spec, MountRequest("", mount_type, version, uid, gid, msize, list(options or []), ip, port),
              kill)


@app.command()
def stop(profile: Profile = None, output: Annotated[OutputFormat, typer.Option(
        *OUTPUT, help="Output format: text, or json for minikube's event stream.")] = OutputFormat.text) -> None:
    """Stop a running machine."""
    from . import _ui
    from ._lifecycle import run_stop

    _ui.set_output(output.value)
    run_stop(profile)


@app.command()
def delete(
    profile: Profile = None,
    all_profiles: Annotated[bool, typer.Option("--all", help="Delete every profile.")] = False,
    purge: Annotated[bool, typer.Option("--purge", help="Also remove minikube's files from $MINIKUBE_HOME.")] = False,
    output: Annotated[OutputFormat, typer.Option(
        *OUTPUT, help="Output format: text, or json for minikube's event stream.")] = OutputFormat.text,
) -> None:
    """Delete a machine and everything minikube keeps for it."""
    from . import _ui
    from ._lifecycle import run_delete

    _ui.set_output(output.value)
    run_delete(profile, all_profiles, purge)


@app.command()
def status(
    profile: Profile = None,
    output: Output = OutputFormat.text,
    fmt: Annotated[str | None, typer.Option(
        *FORMAT, help="Go-template style format, e.g. '{{.Host}}' (fields: Name Host Kubelet APIServer "
                      "Kubeconfig Worker); not with -o json.")] = None,
    node: NodeOption = None,
) -> None:
    """Show the state of a profile's machines (exit code 0 when running, 7 when not, 85 when there is none)."""
    from ._status import run_status

    run_status(profile, output.value, fmt, node)


@app.command()
def ip(profile: Profile = None, node: NodeOption = None) -> None:
    """Print the machine's IP address."""
    from ._lifecycle import run_ip

    run_ip(profile, node)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ssh(ctx: typer.Context, profile: Profile = None, node: NodeOption = None) -> None:
    """Log into the machine over SSH, or run `minikube ssh -- COMMAND...`."""
    from ._lifecycle import run_ssh

    run_ssh(profile, list(ctx.args), node)


NodeName = Annotated[str, typer.Argument(metavar="NAME", help="The node: m02, or its machine's name (minikube-m02).")]


@node_app.command("add")
def node_add(
    profile: Profile = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="The node is a worker.")] = True,
    control_plane: Annotated[bool, typer.Option("--control-plane/--no-control-plane",
                                                help="The node is a control plane too.")] = False,
    delete_on_failure: Annotated[bool, typer.Option("--delete-on-failure",
                                                    help="Delete the node's machine if it cannot be made.")] = False,
    output: Annotated[OutputFormat, typer.Option(
        *OUTPUT, help="Output format: text, or json for minikube's event stream.")] = OutputFormat.text,
    wait_timeout: WaitTimeout = DEFAULT_WAIT,
) -> None:
    """Add a node (machine) to a running profile: m02, m03... (needs a driver with 'multinode')."""
    from . import _ui
    from ._duration import parse_duration
    from ._node import run_node_add

    _ui.set_output(output.value)
    run_node_add(profile, worker, control_plane, delete_on_failure,
                 wait_timeout=parse_duration(wait_timeout, "--wait-timeout"))


@node_app.command("delete")
def node_delete(name: NodeName, profile: Profile = None) -> None:
    """Delete a node and its machine (not the primary: minikube delete removes the whole profile)."""
    from ._node import run_node_delete

    run_node_delete(profile, name)


@node_app.command("start")
def node_start(name: NodeName, profile: Profile = None, wait_timeout: WaitTimeout = DEFAULT_WAIT) -> None:
    """Start a node of a profile."""
    from ._duration import parse_duration
    from ._node import run_node_start

    run_node_start(profile, name, wait_timeout=parse_duration(wait_timeout, "--wait-timeout"))


@node_app.command("stop")
def node_stop(name: NodeName, profile: Profile = None) -> None:
    """Stop a node of a profile."""
    from ._node import run_node_stop

    run_node_stop(profile, name)


@node_app.command("list")
def node_list(profile: Profile = None) -> None:
    """List a profile's nodes: machine name and IP address."""
    from ._node import run_node_list

    run_node_list(profile)


@profile_app.callback()
def profile_root(ctx: typer.Context) -> None:
    """Print the active profile; `minikube profile NAME` makes NAME the active one (`default` is
    minikube); `minikube profile list` lists them all."""
    if ctx.invoked_subcommand is None:
        from ._profile import run_profile

        run_profile([])


@profile_app.command(_SET_PROFILE, hidden=True, context_settings={
    "ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
def profile_set(ctx: typer.Context) -> None:
    from ._profile import run_profile

    run_profile(list(ctx.args))


@profile_app.command("list")
def profile_list(output: Output = OutputFormat.text) -> None:
    """List profiles: driver, IP, state and which one is active."""
    from ._profile import run_profile_list

    run_profile_list(output.value)


@drivers_app.command("list")
def drivers_list(
    output: Output = OutputFormat.text,
    health: Annotated[bool, typer.Option("--health", help="Load each driver and run its health check.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Rescan installed distributions.")] = False,
) -> None:
    """List installed drivers without importing them (--health loads them)."""
    from ._drivers import run_list

    run_list(output.value, health, refresh)


@drivers_app.command("info")
def drivers_info(
    name: Annotated[str, typer.Argument(autocompletion=_complete_drivers)],
    output: Output = OutputFormat.text,
) -> None:
    """One driver in detail: metadata, health and its own options (flags)."""
    from ._drivers import run_info

    run_info(name, output.value)


@config_app.command("set", context_settings={"ignore_unknown_options": True})
def config_set(key: str, value: str) -> None:
    """Set a user setting: `driver kvm2`, `memory 4g`, `drivers.kvm2.kvm-network default`..."""
    from ._config import run_set

    run_set(key, value)


@config_app.command("get")
def config_get(key: str) -> None:
    """Print a user setting."""
    from ._config import run_get

    run_get(key)


@config_app.command("unset")
def config_unset(key: str) -> None:
    """Remove a user setting."""
    from ._config import run_unset

    run_unset(key)


@config_app.command("view")
def config_view(output: Output = OutputFormat.text) -> None:
    """Show every user setting."""
    from ._config import run_view

    run_view(output.value)


# --- running the app ---------------------------------------------------------------------------
# (the console script itself is ``_entry.main``: it runs ``status`` and ``ip`` without typer)

def _click_errors() -> tuple[type[Exception], type[Exception], type[Exception] | None]:
    """click's UsageError, ClickException and NoArgsIsHelpError, from the click typer uses
    (newer typers vendor their own copy, older ones use click itself)."""
    mro = typer.BadParameter.__mro__
    usage = next(c for c in mro if c.__name__ == "UsageError")
    click_exc = next(c for c in mro if c.__name__ == "ClickException")
    no_args = getattr(sys.modules[usage.__module__], "NoArgsIsHelpError", None)
    return usage, click_exc, no_args


def run(args: list[str]) -> int:
    """Run the app without click's standalone mode, so every error is reported minikube's way."""
    from . import _typer_compat, _ui
    from ._report import interrupted, report_exception

    _typer_compat.install()  # plain str/int/Enum parameters without importing pydantic
    _ui.output_from_args(args)  # so that a usage error of `start -o json` is an error event too
    click_usage, click_exception, no_args = _click_errors()
    try:
        rv = app(args=args, prog_name="minikube", standalone_mode=False)
    except typer.Abort:
        return interrupted()
    except click_exception as e:
        ctx = getattr(e, "ctx", None)
        if no_args is not None and isinstance(e, no_args) and ctx is not None:
            typer.echo(ctx.get_help())
            return 0
        message = e.format_message()  # type: ignore[attr-defined]
        if isinstance(e, click_usage):
            where = ctx.command_path if ctx is not None else "minikube"
            return _ui.report(UsageError(message, fix=f"See: {where} --help"))
        return _ui.report(MinikubeError(message))
    except Exception as e:  # noqa: BLE001 - a bug must still end in one clear line
        return report_exception(e)
    except KeyboardInterrupt:
        return interrupted()
    if rv == 130:  # typer turns Ctrl-C outside our own handlers into Exit(130)
        return interrupted()
    return rv if isinstance(rv, int) else 0
