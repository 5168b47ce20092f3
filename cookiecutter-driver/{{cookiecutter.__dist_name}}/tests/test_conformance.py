"""The driver against minikube's contracts (minikube.testing's conformance kit).

The package must be installed (``pip install -e '.[test]'``): the kit finds the driver the way
minikube does, through its entry point and minikube-driver.toml.
"""

from typing import Any, ClassVar

from minikube.testing import DriverConformance


class TestConformance(DriverConformance):
    driver = "{{ cookiecutter.driver_name }}"
    # The local-process backend runs on any POSIX host, so the machine lifecycle is checked even
    # where the driver's platforms exclude this one.  Delete this line with the stand-in backend.
    backend_runs_anywhere = True
    # Flag values for the machines the kit makes (over the flags' defaults).
    driver_options: ClassVar[dict[str, Any]] = {"{{ cookiecutter.driver_name }}-labels": ["conformance"]}
