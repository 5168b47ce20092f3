"""Testing aids for driver authors: a fake driver, real venvs, and the conformance kit."""

from ._fake import FAKE_DEF, FakeDriver, fake_config
from ._venv import Venv, Wheelhouse

__all__ = ["FAKE_DEF", "FakeDriver", "Venv", "Wheelhouse", "fake_config"]
