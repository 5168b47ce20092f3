"""Testing aids for driver authors: the conformance kit, a fake driver, and real venvs.

The conformance kit checks a driver against the contracts minikube relies on; in a driver's
tests::

    from minikube.testing import DriverConformance

    class TestConformance(DriverConformance):
        driver = "foo"

Every name is imported on first use (PEP 562): pytest imports this package for the plugin in
every session wherever minikube is installed, and the fake driver imports it inside minikube,
so importing it costs nothing and never imports pytest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes as _lazy_attributes

if TYPE_CHECKING:
    from ._checks import (
        check_config,
        check_def,
        check_discovery,
        check_flags,
        check_health,
        check_lifecycle,
        check_missing_machine,
        check_plugin_binary,
        check_store_lifecycle,
    )
    from ._conformance import DriverConformance
    from ._contracts import CONTRACTS, Contract, ContractViolation
    from ._fake import FAKE_DEF, FakeDriver, fake_config
    from ._standins import install_standin
    from ._subject import DriverUnderTest
    from ._venv import Venv, Wheelhouse

_LAZY = {
    "FAKE_DEF": "._fake",
    "FakeDriver": "._fake",
    "fake_config": "._fake",
    "Venv": "._venv",
    "install_standin": "._standins",
    "Wheelhouse": "._venv",
    "DriverConformance": "._conformance",
    "DriverUnderTest": "._subject",
    "CONTRACTS": "._contracts",
    "Contract": "._contracts",
    "ContractViolation": "._contracts",
    **{name: "._checks" for name in (
        "check_config", "check_def", "check_discovery", "check_flags", "check_health", "check_lifecycle",
        "check_missing_machine", "check_plugin_binary", "check_store_lifecycle")},
}

__all__ = [
    "CONTRACTS",
    "FAKE_DEF",
    "Contract",
    "ContractViolation",
    "DriverConformance",
    "DriverUnderTest",
    "FakeDriver",
    "Venv",
    "Wheelhouse",
    "check_config",
    "check_def",
    "check_discovery",
    "check_flags",
    "check_health",
    "check_lifecycle",
    "check_missing_machine",
    "check_plugin_binary",
    "check_store_lifecycle",
    "fake_config",
    "install_standin",
]

__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY, __all__)
