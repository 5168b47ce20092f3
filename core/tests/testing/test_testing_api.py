"""minikube.testing's public API is exactly __all__, and importing it (or the pytest plugin) is cheap."""

from __future__ import annotations

import subprocess
import sys

import minikube.testing


def test_public_api_is_exactly_all() -> None:
    module = type(minikube.testing)
    public = {n for n in dir(minikube.testing) if not n.startswith(("_", "@"))  # "@py...": pytest's rewriting
              and not isinstance(getattr(minikube.testing, n), module)}
    assert set(minikube.testing.__all__) == public - {"annotations", "TYPE_CHECKING", "Any"}
    for name in minikube.testing.__all__:
        assert getattr(minikube.testing, name) is not None, name
    assert {"DriverConformance", "ContractViolation", "FakeDriver", "Venv", "Wheelhouse"} <= set(minikube.testing.__all__)


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; before = set(sys.modules); {statement}; print('\\n'.join(set(sys.modules) - before))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_importing_the_package_imports_neither_pytest_nor_the_machine_layer() -> None:
    loaded = _modules_after("import minikube.testing")
    assert "pytest" not in loaded
    assert not {m for m in loaded if m.startswith(("minikube.machine", "minikube.registry", "subprocess"))}


def test_the_pytest_plugin_imports_nothing_of_minikube_but_its_packages() -> None:
    """pytest loads it in every session of anyone with minikube installed."""
    loaded = _modules_after("import pytest; import minikube.testing.pytest_plugin")
    assert {m for m in loaded if m.startswith("minikube")} == {
        "minikube", "minikube._lazy", "minikube._version", "minikube.testing", "minikube.testing.pytest_plugin"}
