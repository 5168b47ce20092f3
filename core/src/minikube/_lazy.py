"""Lazy package attributes (PEP 562): a name's module is imported on first use.

Package ``__init__`` files declare their public API once, as ``{module: "Name Other Alias=Real"}``,
and get ``__all__``, ``__getattr__`` and ``__dir__`` from it, so that importing a package (for
``minikube --help``, a plugin process, or pytest loading the testing plugin) costs only what is
used.  The ``if TYPE_CHECKING:`` imports beside it exist for type checkers only.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_package(package: str, api: Mapping[str, str], eager: tuple[str, ...] = ()
                 ) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``api`` maps a module (relative to the package) to the names it provides, separated by white
    space; ``Public=private`` exports a module attribute under another name, and a leading ``~``
    keeps a name out of ``__all__`` (a deprecated alias that still resolves).  ``eager`` names are
    defined in the package itself and only join ``__all__``.
    """
    where: dict[str, tuple[str, str]] = {}
    hidden: set[str] = set()
    for module, names in api.items():
        for item in names.split():
            public, _, attr = item.lstrip("~").partition("=")
            where[public] = (module, attr or public)
            if item.startswith("~"):
                hidden.add(public)
    public_names = sorted({*where, *eager} - hidden)

    def __getattr__(name: str) -> Any:
        found = where.get(name)
        if found is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = found
        value = getattr(importlib.import_module(module, package), attr)
        if name not in hidden:  # a deprecated alias is not cached: it stays out of dir() and warns each time
            setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public_names})

    return public_names, __getattr__, __dir__
