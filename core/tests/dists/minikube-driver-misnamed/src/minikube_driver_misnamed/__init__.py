from minikube.registry import DriverDef
from minikube.testing import FakeDriver

DRIVER = DriverDef(name="other-name", init=FakeDriver)
