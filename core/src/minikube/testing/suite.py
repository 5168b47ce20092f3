"""The conformance kit as a ready test module, for any installed driver without writing a test::

    pytest --pyargs minikube.testing.suite --minikube-driver foo
"""

from ._conformance import DriverConformance


class TestInstalledDriver(DriverConformance):
    """Checks the driver named by ``--minikube-driver`` (or the ``minikube_driver`` ini setting)."""
