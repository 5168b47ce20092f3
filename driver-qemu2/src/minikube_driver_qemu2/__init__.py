"""minikube's qemu2 driver: machines as QEMU processes of the calling user, builtin (runs in minikube).

The entry point ``qemu2`` (alias ``qemu``) in ``minikube.drivers`` is :data:`DRIVER`.  Importing
this package starts nothing and imports no QMP library.
"""

from ._driver import QEMUDriver
from ._host import Accel, choose_accel
from ._version import __version__
from .registration import DRIVER, configure, status

__all__ = ["DRIVER", "Accel", "QEMUDriver", "__version__", "choose_accel", "configure", "status"]
