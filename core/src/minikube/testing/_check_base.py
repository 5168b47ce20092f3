"""What every conformance check shares: turning a driver's failure into a ContractViolation.

The conformance checks are plain functions, each raising a ContractViolation that names its
contract.  They take plain objects (a DriverDef, a factory of configured drivers, a
MINIKUBE_HOME) so they run the same under pytest, in a script, or against a plugin process; the
pytest face of the kit is :class:`minikube.testing.DriverConformance`.  They are split by what
they look at (``_check_def``, ``_check_config``, ``_check_lifecycle``, ``_check_plugin``); this
module holds the few helpers all of them use, so a broken contract is reported the same way
whichever check found it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..machine import Driver, Machines
from ._contracts import Contract, ContractViolation

DriverFactory = Callable[[], Driver]


def _fail(contract: Contract, detail: str, cause: BaseException | None = None) -> ContractViolation:
    err = ContractViolation(contract, detail)
    err.__cause__ = cause
    return err


def _raised(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


@contextmanager
def _contract(contract: Contract, what: str) -> Iterator[None]:
    """Any exception in the block (but a violation) becomes a violation of ``contract``."""
    __tracebackhide__ = True
    try:
        yield
    except ContractViolation:
        raise
    except Exception as e:  # noqa: BLE001 - every driver failure is reported as the contract it broke
        raise _fail(contract, f"{what} raised {_raised(e)}", e) from e



def _delete_left(machines: Machines, machine: str) -> None:
    """After a check (failed or not), ``minikube delete`` a machine still in the store, quietly:
    the failure being reported matters more than one in the clean-up."""
    if machines.exists(machine):
        try:
            machines.delete(machine)
        except Exception:  # noqa: BLE001, S110 - cleanup after a failure already reported
            pass
