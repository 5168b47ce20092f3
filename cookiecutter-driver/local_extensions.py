"""Jinja helpers for the template: names derived from the driver name, the core's versions.

cookiecutter puts this directory on ``sys.path`` while it renders (``_extensions`` in
cookiecutter.json).  The core's versions come from the ``minikube`` installed beside
cookiecutter; without one, from the fallbacks below (a test keeps them equal to the core's).
"""

from __future__ import annotations

import re

from jinja2 import Environment
from jinja2.ext import Extension

#: Used when minikube is not importable where cookiecutter runs (e.g. cookiecutter from pipx).
FALLBACK_CORE_VERSION = "0.7.0"
FALLBACK_DRIVER_API = "1.6"
#: The driver API the baked package needs whatever core runs cookiecutter: its configure reads
#: ClusterConfig.machine_name (1.4) and its minikube-driver.toml declares no_ssh (1.5: an older
#: core would call the file invalid).
TEMPLATE_DRIVER_API = "1.5"

_UNSAFE = re.compile(r"[^a-z0-9-]+")


def driver_slug(name: str) -> str:
    """The name itself when valid; otherwise something safe in a path, for the hook to refuse.

    cookiecutter creates the project directory before the pre-generation hook runs, so a name
    like ``../x`` must not reach a path.
    """
    return _UNSAFE.sub("_", str(name).lower()) or "_"


def class_name(name: str) -> str:
    """``my-vm`` -> ``MyVmDriver``."""
    return "".join(part.capitalize() for part in re.split(r"[^a-zA-Z0-9]+", str(name)) if part) + "Driver"


def platform_list(choice: str) -> list[str]:
    """The platform choice (``linux/amd64 darwin/amd64``, or ``any``) as a list; empty = every platform."""
    return [] if choice.strip() == "any" else choice.split()


def env_prefix(name: str) -> str:
    """``my-vm`` -> ``MY_VM`` (for the create flags' environment variables)."""
    return re.sub(r"[^A-Z0-9]+", "_", str(name).upper())


def minikube_version() -> str:
    try:
        from minikube import __version__
    except ImportError:
        return FALLBACK_CORE_VERSION
    return str(__version__)


def driver_api_range() -> str:
    """``>=1.5,<2`` for a core implementing driver API 1.5: at least its minor (and never below
    what the template's code needs, ``TEMPLATE_DRIVER_API``), below the next major (the API's own
    compatibility promise)."""
    try:
        from minikube import DRIVER_API_VERSION as api
    except ImportError:
        api = FALLBACK_DRIVER_API

    def parse(v: str) -> tuple[int, int]:
        major, _, minor = str(v).partition(".")
        return int(major), int(minor or 0)

    major, minor = parse(api)
    if major == parse(TEMPLATE_DRIVER_API)[0]:
        minor = max(minor, parse(TEMPLATE_DRIVER_API)[1])
    return f">={major}.{minor},<{major + 1}"


class MinikubeExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(driver_slug=driver_slug, class_name=class_name, platform_list=platform_list,
                                   env_prefix=env_prefix)
        environment.globals.update(minikube_version=minikube_version, driver_api_range=driver_api_range)
