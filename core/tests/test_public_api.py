"""Every public package exports exactly its ``__all__``, and every name in it resolves."""

import importlib

import minikube
import pytest
from minikube.testing import public_names

PACKAGES = ["minikube", "minikube.registry", "minikube.machine", "minikube.machine.plugin", "minikube.testing",
            "minikube.cli"]


@pytest.mark.parametrize("package", PACKAGES)
def test_exported_members(package: str) -> None:
    mod = importlib.import_module(package)
    assert public_names(mod) == set(mod.__all__) - {"__version__"}
    assert len(mod.__all__) == len(set(mod.__all__))
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


def test_errors_subclass_builtins_so_callers_can_catch_either() -> None:
    assert issubclass(minikube.UsageError, ValueError)
    assert issubclass(minikube.DriverNotFoundError, LookupError)
    assert issubclass(minikube.LockedError, TimeoutError)
    assert issubclass(minikube.DriverError, RuntimeError)
    assert issubclass(minikube.ConfigVersionError, minikube.ConfigError)
    e = minikube.HostNotRunningError()
    assert e.message == "Host is not running" and e.exit_code == 83
