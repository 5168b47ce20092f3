"""The ``minikube`` command line.  The console script (``main``) imports typer only for commands
that need it: ``status`` and ``ip`` run without it, and command bodies import what they need
lazily, so ``minikube --help`` and ``minikube drivers list`` import no driver."""

from typing import TYPE_CHECKING

from .._lazy import lazy_package as _lazy_package
from ._entry import main

if TYPE_CHECKING:
    from ._main import app

__all__, __getattr__, __dir__ = _lazy_package(__name__, {"._main": "app"}, eager=("main",))
