from dataclasses import replace

from minikube.testing import FAKE_DEF

DRIVER = replace(FAKE_DEF, name="legacy", default=False)
