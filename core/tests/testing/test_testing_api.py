"""minikube.testing's public API is exactly __all__, and importing it (or the pytest plugin) is cheap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import minikube.testing
import pytest


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


def test_public_names_is_what_a_package_shows_less_modules_and_typing_helpers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "shows"
    pkg.mkdir()
    (pkg / "sub.py").write_text("X = 1\n")
    (pkg / "heavy.py").write_text("Lazy = 2\n")
    (pkg / "__init__.py").write_text(
        "from __future__ import annotations\n"
        "import json\n"
        "from typing import TYPE_CHECKING, Any\n"
        "from . import sub\n"
        "__version__ = '1'\n"
        "Eager = 1\n"
        "_private = 2\n"
        "def __getattr__(name):\n"
        "    if name == 'Lazy':\n"
        "        from .heavy import Lazy\n"
        "        return Lazy\n"
        "    raise AttributeError(name)\n"
        "def __dir__():\n"
        "    return sorted({*globals(), 'Lazy'})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import shows  # type: ignore[import-not-found]

    assert minikube.testing.public_names(shows) == {"Eager", "Lazy"}
    assert "shows.heavy" not in sys.modules  # lazy names are listed, not imported
    assert minikube.testing.public_names(minikube.testing) == set(minikube.testing.__all__)
