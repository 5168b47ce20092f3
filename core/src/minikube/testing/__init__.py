"""Testing aids for driver authors: the conformance kit, a fake driver, real venvs, and the real CLI.

The conformance kit checks a driver against the contracts minikube relies on; in a driver's
tests::

    from minikube.testing import DriverConformance

    class TestConformance(DriverConformance):
        driver = "foo"

and :class:`MinikubeCLI` runs the real ``minikube`` command of a venv with its own home, and
checks minikube's one-line error form (``X Exiting due to <ID>: <message>``).

Every name is imported on first use (PEP 562): pytest imports this package for the plugin in
every session wherever minikube is installed, and the fake driver imports it inside minikube,
so importing it costs nothing and never imports pytest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_package as _lazy_package

_API = {
    "._api": "public_names",
    "._check_config": "check_config check_flags check_shares",
    "._check_def": "check_def check_discovery check_health",
    "._check_lifecycle": "check_lifecycle check_missing_machine check_store_lifecycle",
    "._check_nodes": "check_nodes",
    "._check_plugin": "check_plugin_binary",
    "._check_ready": "check_ready_on_return",
    "._cli": "ErrorLine MinikubeCLI assert_error_line parse_error_line",
    "._conformance": "DriverConformance",
    "._contracts": "CONTRACTS Contract ContractViolation",
    "._fake": "FAKE_DEF FakeDriver fake_config",
    "._netns": "network_namespace",
    "._standins": "install_standin",
    "._subject": "DriverUnderTest",
    "._venv": "Venv Wheelhouse",
}

if TYPE_CHECKING:
    from ._api import public_names
    from ._check_config import check_config, check_flags, check_shares
    from ._check_def import check_def, check_discovery, check_health
    from ._check_lifecycle import check_lifecycle, check_missing_machine, check_store_lifecycle
    from ._check_nodes import check_nodes
    from ._check_plugin import check_plugin_binary
    from ._check_ready import check_ready_on_return
    from ._cli import ErrorLine, MinikubeCLI, assert_error_line, parse_error_line
    from ._conformance import DriverConformance
    from ._contracts import CONTRACTS, Contract, ContractViolation
    from ._fake import FAKE_DEF, FakeDriver, fake_config
    from ._netns import network_namespace
    from ._standins import install_standin
    from ._subject import DriverUnderTest
    from ._venv import Venv, Wheelhouse

__all__, __getattr__, __dir__ = _lazy_package(__name__, _API)
