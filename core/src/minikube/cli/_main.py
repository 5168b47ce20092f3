"""The typer app: every command's options, with bodies in sibling modules imported on use."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from .._version import __version__

app = typer.Typer(
    name="minikube",
    help="minikube: local virtual machines through pluggable drivers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    add_completion=True,
)
drivers_app = typer.Typer(help="List and inspect the installed drivers.", no_args_is_help=True)
profile_app = typer.Typer(help="Profiles (clusters) on this machine.", no_args_is_help=True)
config_app = typer.Typer(help="User settings in $MINIKUBE_HOME/config.toml.", no_args_is_help=True)
app.add_typer(drivers_app, name="drivers")
app.add_typer(profile_app, name="profile")
app.add_typer(config_app, name="config")


def _complete_drivers(incomplete: str) -> list[str]:
    from ..registry import Catalog

    return [n for n in Catalog().all_names() if n.startswith(incomplete)]


def _complete_profiles(incomplete: str) -> list[str]:
    from ..config import list_profiles

    return [n for n in list_profiles() if n.startswith(incomplete)]


Profile = Annotated[Optional[str], typer.Option(
    "--profile", "-p", help="The profile (cluster) name.", envvar="MINIKUBE_PROFILE",
    autocompletion=_complete_profiles, show_default="minikube")]
Output = Annotated[str, typer.Option("--output", "-o", help="Output format: text or json.")]


def _version_cb(value: bool) -> None:
    if value:
        typer.echo(f"minikube version: v{__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                          callback=_version_cb, is_eager=True)] = False,
    verbose: Annotated[int, typer.Option("--v", "-v", help="Log verbosity (driver logs at 1+).")] = 0,
    alsologtostderr: Annotated[bool, typer.Option("--alsologtostderr",
                                                  help="Log to stderr (driver logs included).")] = False,
) -> None:
    """minikube: local virtual machines through pluggable drivers."""
    if verbose or alsologtostderr:
        import logging

        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO,
                            format="I %(name)s] %(message)s", stream=sys.stderr)


@app.command("version")
def version_cmd() -> None:
    """Print the version of minikube."""
    typer.echo(f"minikube version: v{__version__}")


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
def start(
    ctx: typer.Context,
    profile: Profile = None,
    driver: Annotated[Optional[str], typer.Option("--driver", "-d", help="Driver to use.",
                                                  autocompletion=_complete_drivers)] = None,
    cpus: Annotated[Optional[str], typer.Option("--cpus", help="Number of CPUs.")] = None,
    memory: Annotated[Optional[str], typer.Option("--memory", help="Memory, e.g. 2048, 2g, 2048mb.")] = None,
    disk_size: Annotated[Optional[str], typer.Option("--disk-size", help="Disk size, e.g. 20000mb, 20g.")] = None,
    iso_url: Annotated[Optional[str], typer.Option("--iso-url", help="Boot image: path, file://, http(s)://.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Carry on past failed driver checks.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Say why each driver was picked or not.")] = False,
    show_help: Annotated[bool, typer.Option("--help", "-h", help="Show this message (and the driver's flags).")] = False,
) -> None:
    """Start a machine (create it the first time)."""
    from ._start import run_start

    run_start(ctx, profile=profile, driver=driver, cpus=cpus, memory=memory, disk_size=disk_size,
              iso_url=iso_url, force=force, explain=explain, show_help=show_help)


@app.command()
def stop(profile: Profile = None) -> None:
    """Stop a running machine."""
    from ._lifecycle import run_stop

    run_stop(profile)


@app.command()
def delete(
    profile: Profile = None,
    all_profiles: Annotated[bool, typer.Option("--all", help="Delete every profile.")] = False,
    purge: Annotated[bool, typer.Option("--purge", help="Also remove $MINIKUBE_HOME.")] = False,
) -> None:
    """Delete a machine and everything minikube keeps for it."""
    from ._lifecycle import run_delete

    run_delete(profile, all_profiles, purge)


@app.command()
def status(profile: Profile = None, output: Output = "text") -> None:
    """Show a machine's state (exit code 0 when running, 7 when stopped, 85 when absent)."""
    from ._lifecycle import run_status

    run_status(profile, output)


@app.command()
def ip(profile: Profile = None) -> None:
    """Print the machine's IP address."""
    from ._lifecycle import run_ip

    run_ip(profile)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ssh(ctx: typer.Context, profile: Profile = None) -> None:
    """Log into the machine over SSH, or run `minikube ssh -- COMMAND...`."""
    from ._lifecycle import run_ssh

    run_ssh(profile, list(ctx.args))


@profile_app.command("list")
def profile_list(output: Output = "text") -> None:
    """List profiles with their driver and state."""
    from ._lifecycle import run_profile_list

    run_profile_list(output)


@drivers_app.command("list")
def drivers_list(
    output: Output = "text",
    health: Annotated[bool, typer.Option("--health", help="Load each driver and run its health check.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Rescan installed distributions.")] = False,
) -> None:
    """List installed drivers without importing them (--health loads them)."""
    from ._drivers import run_list

    run_list(output, health, refresh)


@drivers_app.command("info")
def drivers_info(
    name: Annotated[str, typer.Argument(autocompletion=_complete_drivers)],
    output: Output = "text",
) -> None:
    """One driver in detail: metadata, health and its flags."""
    from ._drivers import run_info

    run_info(name, output)


@config_app.command("set")
def config_set(key: str, value: str) -> None:
    """Set a user setting (e.g. `driver kvm2`, `memory 4g`, `drivers.kvm2.kvm-network default`)."""
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
def config_view(output: Output = "text") -> None:
    """Show every user setting."""
    from ._config import run_view

    run_view(output)


def main() -> None:
    """Console-script entry: plugin server mode first, then the CLI with minikube's errors."""
    if os.environ.get("MACHINE_PLUGIN_TOKEN") and os.environ.get("MACHINE_PLUGIN_DRIVER_NAME"):
        from ._serve import serve_builtin

        serve_builtin(os.environ["MACHINE_PLUGIN_DRIVER_NAME"])
        return
    from .._errors import MinikubeError

    try:
        app()
    except MinikubeError as e:
        from ._ui import report

        raise SystemExit(report(e)) from None
    except KeyboardInterrupt:
        from .._errors import MinikubeError as ME
        from ._ui import report

        raise SystemExit(report(ME("interrupted", reason_id="MK_INTERRUPTED",
                                   fix="Run the same command again; `minikube delete` cleans up a half-made machine."))) from None
