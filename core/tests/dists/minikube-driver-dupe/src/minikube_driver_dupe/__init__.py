from minikube.testing import FAKE_DEF as DRIVER
