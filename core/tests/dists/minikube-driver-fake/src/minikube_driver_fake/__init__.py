"""The core fake driver, packaged as a real distribution for tests."""
from minikube.testing import FAKE_DEF as DRIVER

__all__ = ["DRIVER"]
