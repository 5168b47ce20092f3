"""The ``minikube`` command line (typer).  Command bodies import what they need lazily, so
``minikube --help`` and ``minikube drivers list`` import no driver."""

from ._main import app, main

__all__ = ["app", "main"]
