from minikube.testing import FAKE_DEF as DRIVER

__all__ = ["DRIVER"]
