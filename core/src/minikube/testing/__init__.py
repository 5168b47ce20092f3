"""Testing aids for driver authors: a fake in-memory driver (and, in time, the conformance kit)."""

from ._fake import FAKE_DEF, FakeDriver, fake_config

__all__ = ["FAKE_DEF", "FakeDriver", "fake_config"]
