"""The {{ cookiecutter.title }} driver for minikube.

Kept empty on purpose: minikube imports ``registration`` (through the entry point) only when
the driver is used, and the plugin binary imports only what serving needs.
"""

__version__ = "0.1.0"
