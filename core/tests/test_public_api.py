"""The public API is exactly what the package __init__ files export."""

import minikube
import minikube.machine
import minikube.registry

HELPERS = {"annotations", "importlib", "TYPE_CHECKING", "Any"}


def _public(mod: object) -> set[str]:
    """What a module shows (lazy names included), less submodules and typing helpers."""
    return {n for n in dir(mod) if not n.startswith("_")
            and not isinstance(getattr(mod, n), type(minikube))} - HELPERS


def test_top_level_api_is_exactly_all() -> None:
    assert set(minikube.__all__) == _public(minikube) | {"__version__"}
    for name in minikube.__all__:
        assert getattr(minikube, name) is not None
    assert {"DriverDef", "Priority", "State", "Driver", "BaseDriver", "MachineState", "ClusterConfig",
            "MinikubeError", "DRIVER_API_VERSION"} <= set(minikube.__all__)


def test_subpackage_apis_are_exactly_all() -> None:
    for mod in (minikube.machine, minikube.registry):
        assert set(mod.__all__) == _public(mod), mod.__name__


def test_errors_subclass_builtins_so_callers_can_catch_either() -> None:
    assert issubclass(minikube.UsageError, ValueError)
    assert issubclass(minikube.DriverNotFoundError, LookupError)
    assert issubclass(minikube.LockedError, TimeoutError)
    assert issubclass(minikube.DriverError, RuntimeError)
    assert issubclass(minikube.ConfigVersionError, minikube.ConfigError)
    e = minikube.HostNotRunningError()
    assert e.message == "Host is not running" and e.exit_code == 83
