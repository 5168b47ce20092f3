"""The MAC address macOS's vmnet.framework gives a VM with a given UUID.

hyperkit starts its virtio-net device with ``-U <uuid>`` and vmnet derives the guest's MAC
from that UUID; minikube asks vmnet the same question up front (go-vmnet's
``GetMACAddressFromUUID``) so it knows which DHCP lease to wait for.  We do it with ctypes:
start a shared-mode vmnet interface for the UUID, read ``vmnet_mac_address_key``, stop it.
This needs root, like everything vmnet does.

Where vmnet.framework does not exist (Linux, where the tests run hyperkit stand-ins), the MAC
is derived from the UUID's last 6 bytes (multicast bit cleared, locally administered bit
set), so a test can choose the MAC by choosing the UUID.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import uuid as _uuid
from typing import Any

VMNET_SUCCESS = 1000
VMNET_SHARED_MODE = 1001
_BLOCK_IS_GLOBAL = 1 << 28


def standin_mac_for_uuid(uuid: str) -> str:
    """The MAC used where vmnet.framework is absent: the UUID's node bytes, made unicast/local."""
    node = bytearray(_uuid.UUID(uuid).bytes[10:])
    node[0] = (node[0] | 0x02) & 0xFE
    return ":".join(f"{b:02x}" for b in node)


def mac_for_uuid(uuid: str, timeout: float = 30.0) -> str:
    """vmnet's MAC for ``uuid`` on macOS; the stand-in derivation elsewhere."""
    if sys.platform != "darwin":
        return standin_mac_for_uuid(uuid)
    return _vmnet_mac_for_uuid(uuid, timeout)  # pragma: no cover - needs macOS and root


class _BlockDescriptor(ctypes.Structure):
    _fields_ = [("reserved", ctypes.c_ulong), ("size", ctypes.c_ulong)]


class _Block(ctypes.Structure):
    """The Apple block ABI: enough of it for a global block that calls back into Python."""

    _fields_ = [("isa", ctypes.c_void_p), ("flags", ctypes.c_int), ("reserved", ctypes.c_int),
                ("invoke", ctypes.c_void_p), ("descriptor", ctypes.POINTER(_BlockDescriptor))]


def _block(libsystem: ctypes.CDLL, callback: Any) -> tuple[_Block, _BlockDescriptor]:
    isa = ctypes.addressof(ctypes.c_void_p.in_dll(libsystem, "_NSConcreteGlobalBlock"))
    desc = _BlockDescriptor(0, ctypes.sizeof(_Block))
    blk = _Block(isa, _BLOCK_IS_GLOBAL, 0, ctypes.cast(callback, ctypes.c_void_p), ctypes.pointer(desc))
    return blk, desc


def _vmnet_mac_for_uuid(uuid: str, timeout: float) -> str:  # pragma: no cover - macOS only
    libsystem = ctypes.CDLL("/usr/lib/libSystem.B.dylib")
    vmnet = ctypes.CDLL("/System/Library/Frameworks/vmnet.framework/vmnet")
    vp = ctypes.c_void_p
    libsystem.xpc_dictionary_create.restype = vp
    libsystem.xpc_dictionary_create.argtypes = [vp, vp, ctypes.c_size_t]
    libsystem.xpc_dictionary_set_uint64.argtypes = [vp, ctypes.c_char_p, ctypes.c_uint64]
    libsystem.xpc_dictionary_set_uuid.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p]
    libsystem.xpc_dictionary_get_string.restype = ctypes.c_char_p
    libsystem.xpc_dictionary_get_string.argtypes = [vp, ctypes.c_char_p]
    libsystem.dispatch_queue_create.restype = vp
    libsystem.dispatch_queue_create.argtypes = [ctypes.c_char_p, vp]
    vmnet.vmnet_start_interface.restype = vp
    vmnet.vmnet_start_interface.argtypes = [vp, vp, vp]
    vmnet.vmnet_stop_interface.restype = ctypes.c_uint32
    vmnet.vmnet_stop_interface.argtypes = [vp, vp, vp]

    def key(name: str) -> bytes:
        value = ctypes.c_char_p.in_dll(vmnet, name).value
        if value is None:
            raise RuntimeError(f"vmnet.framework has no {name}")
        return value

    desc = libsystem.xpc_dictionary_create(None, None, 0)
    libsystem.xpc_dictionary_set_uint64(desc, key("vmnet_operation_mode_key"), VMNET_SHARED_MODE)
    libsystem.xpc_dictionary_set_uuid(desc, key("vmnet_interface_id_key"), _uuid.UUID(uuid).bytes)
    queue = libsystem.dispatch_queue_create(b"minikube.vmnet", None)
    mac_key = key("vmnet_mac_address_key")
    result: dict[str, object] = {}
    started, stopped = threading.Event(), threading.Event()

    start_t = ctypes.CFUNCTYPE(None, vp, ctypes.c_uint32, vp)
    stop_t = ctypes.CFUNCTYPE(None, vp, ctypes.c_uint32)

    def on_start(_blk: int, status: int, params: int) -> None:
        result["status"] = status
        if status == VMNET_SUCCESS and params:
            raw = libsystem.xpc_dictionary_get_string(params, mac_key)
            result["mac"] = raw.decode() if raw else ""
        started.set()

    def on_stop(_blk: int, status: int) -> None:
        stopped.set()

    start_cb, stop_cb = start_t(on_start), stop_t(on_stop)  # kept alive until we return

    start_block, _d1 = _block(libsystem, start_cb)
    stop_block, _d2 = _block(libsystem, stop_cb)
    iface = vmnet.vmnet_start_interface(desc, queue, ctypes.addressof(start_block))
    if not started.wait(timeout):
        raise RuntimeError(f"vmnet did not answer within {timeout:g}s")
    if iface:
        vmnet.vmnet_stop_interface(iface, queue, ctypes.addressof(stop_block))
        stopped.wait(timeout)
    if result.get("status") != VMNET_SUCCESS or not result.get("mac"):
        raise RuntimeError(f"vmnet could not start an interface for UUID {uuid} "
                           f"(status {result.get('status')}); vmnet needs root")
    return str(result["mac"])
