"""``public_names``: what a package shows as its API, to test that its ``__all__`` says exactly that.

minikube's packages and drivers re-export their API lazily (PEP 562), so ``__all__`` is written
by hand beside the lazy map; their tests compare it with what the package really shows, and
this is the one definition of "really shows" they share.
"""

from __future__ import annotations

from types import ModuleType

#: Names that ``from __future__ import annotations`` and ``if TYPE_CHECKING:`` leave in a module.
_HELPERS = frozenset({"annotations", "TYPE_CHECKING"})


def public_names(module: ModuleType) -> set[str]:
    """The names ``dir(module)`` lists (lazy ones included) that do not start with ``_``, less
    submodules and typing helpers (``annotations``, ``TYPE_CHECKING``, names from ``typing``).

    A package's ``__all__`` should be exactly this, plus ``__version__``.  Lazy names are not
    resolved, so nothing is imported.
    """
    loaded = vars(module)
    names = set()
    for name in dir(module):
        if name.startswith("_") or name in _HELPERS:
            continue
        if name in loaded:
            value = loaded[name]
            if isinstance(value, ModuleType) or getattr(value, "__module__", None) in ("typing", "typing_extensions"):
                continue
        names.add(name)
    return names
