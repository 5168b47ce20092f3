"""A minimal typer app with minikube's commands and nothing else imported: the --help baseline.

Configured as minikube's app is (no rich markup, no pretty exceptions, completion on), so the
floor is typer itself, not a slower configuration of it.
"""

import typer

app = typer.Typer(name="minikube", no_args_is_help=True, pretty_exceptions_enable=False,
                  pretty_exceptions_show_locals=False, add_completion=True, rich_markup_mode=None)
drivers = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
profile = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
config = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
app.add_typer(drivers, name="drivers")
app.add_typer(profile, name="profile")
app.add_typer(config, name="config")


@app.callback()
def root(version: bool = typer.Option(False, "--version"), v: int = typer.Option(0, "--v", "-v"),
         alsologtostderr: bool = False) -> None:
    """minikube"""


@app.command()
def start(profile: str = typer.Option(None, "-p", "--profile"), driver: str = typer.Option(None, "-d", "--driver"),
          cpus: str = None, memory: str = None, disk_size: str = None, iso_url: str = None,  # type: ignore[assignment]
          force: bool = False, explain: bool = False) -> None:
    """Start."""


def _profile_cmd(profile: str = typer.Option(None, "-p", "--profile")) -> None:
    """A command."""


for _name in ("stop", "delete", "status", "ip", "ssh", "version"):
    app.command(name=_name)(_profile_cmd)


@drivers.command("list")
def drivers_list(output: str = "text", health: bool = False) -> None:
    """List."""


@drivers.command("info")
def drivers_info(name: str) -> None:
    """Info."""


@profile.command("list")
def profile_list(output: str = "text") -> None:
    """List."""


def _config_cmd(key: str = "") -> None:
    """A config command."""


for _name in ("set", "get", "unset", "view"):
    config.command(name=_name)(_config_cmd)

if __name__ == "__main__":
    app(prog_name="minikube")
