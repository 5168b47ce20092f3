"""STAND-IN for VMware Fusion's vmrun, written for these tests (no Fusion on the test machines).

It honours the command-line contract the driver uses and keeps the set of running VMs in a
JSON file (``STANDIN_VMRUN_STATE``), so separate invocations agree, as the real vmrun does:

* ``list``: ``Total running VMs: N`` then one .vmx path per line (``STANDIN_VMRUN_OTHER_VMS``
  adds other VMs, separated by ``:``);
* ``start <vmx> nogui``: like Fusion at first power-on, writes ``ethernet0.generatedAddress``
  (``STANDIN_VMRUN_MAC``) into the .vmx unless ``STANDIN_VMRUN_NO_MAC`` is set;
* ``stop <vmx> [hard] nogui``, ``deleteVM <vmx> nogui`` (removes the VM's files);
* ``getGuestIPAddress <vmx> -wait``: the address VMware Tools reports for that VM, or vmrun's
  error when ``STANDIN_VMRUN_GUEST_IPS`` is unset or empty (Tools never answers).  Each VM
  (by its .vmx path) gets its own address, as vmnet's DHCP server gives each VM its own lease:
  at its first ``start``, the first address of ``STANDIN_VMRUN_GUEST_IPS`` (comma-separated)
  that no other VM holds; it keeps it across stop/start and gives it back at ``deleteVM``.
  With every address taken, the VM gets none (the error again);
* ``-gu USER -gp PASS <guest operation> <vmx> ...``: checks the boot2docker credentials;
  ``CopyFileFromHostToGuest`` copies into ``STANDIN_VMRUN_GUEST_ROOT``.

Errors look like vmrun's: ``Error: ...`` on stdout, exit status 255.  ``STANDIN_VMRUN_FAIL``
(comma-separated commands) makes those commands fail with ``STANDIN_VMRUN_FAIL_MESSAGE``.
Every call is appended to ``STANDIN_VMRUN_RECORD`` as a JSON list.  Calls that read or change
the state hold a lock on ``STANDIN_VMRUN_STATE.lock`` while they do, so concurrent calls agree.
"""

import fcntl
import json
import os
import shutil
import sys


def fail(message):
    print(f"Error: {message}")
    sys.exit(255)


def load():
    try:
        with open(os.environ["STANDIN_VMRUN_STATE"]) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"running": [], "addresses": {}}


def save(state):
    with open(os.environ["STANDIN_VMRUN_STATE"], "w") as f:
        json.dump(state, f)


args = sys.argv[1:]
record = os.environ.get("STANDIN_VMRUN_RECORD")
if record:
    with open(record, "a") as f:
        f.write(json.dumps(args) + "\n")
creds = None
if args[:1] == ["-gu"]:
    creds, args = (args[1], args[3]), args[4:]
if not args:
    fail("no command")
cmd = args[0]
if cmd in os.environ.get("STANDIN_VMRUN_FAIL", "").split(","):
    fail(os.environ.get("STANDIN_VMRUN_FAIL_MESSAGE", "The operation was canceled"))
lock = os.open(os.environ["STANDIN_VMRUN_STATE"] + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(lock, fcntl.LOCK_EX)  # released when the process exits
state = load()
addresses = state.setdefault("addresses", {})  # vmx path -> the guest's address
if cmd == "list":
    others = [p for p in os.environ.get("STANDIN_VMRUN_OTHER_VMS", "").split(":") if p]
    vms = others + state["running"]
    print(f"Total running VMs: {len(vms)}")
    for vm in vms:
        print(vm)
    sys.exit(0)
vmx = args[1] if len(args) > 1 else ""
if not os.path.isfile(vmx):
    fail(f"Cannot open VM: {vmx}, The virtual machine cannot be found")
vmx = os.path.realpath(vmx)
running = vmx in state["running"]
if creds is not None:
    if not running:
        fail(f"The virtual machine is not powered on: {vmx}")
    if creds != ("docker", "tcuser"):
        fail("Invalid user name or password for the guest OS")
    if cmd == "CopyFileFromHostToGuest":
        root = os.environ.get("STANDIN_VMRUN_GUEST_ROOT")
        if root:
            dest = os.path.join(root, args[3].lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(args[2], dest)
    elif cmd not in ("directoryExistsInGuest", "runScriptInGuest", "enableSharedFolders", "addSharedFolder"):
        fail("Unrecognized command")
    sys.exit(0)
if cmd == "start":
    if running:
        fail("The virtual machine is already running")
    with open(vmx) as f:
        text = f.read()
    if "ethernet0.generatedAddress " not in text and not os.environ.get("STANDIN_VMRUN_NO_MAC"):
        mac = os.environ.get("STANDIN_VMRUN_MAC", "00:0c:29:9d:6e:3a")
        with open(vmx, "a") as f:
            f.write(f'ethernet0.generatedAddress = "{mac}"\nethernet0.generatedAddressOffset = "0"\n'
                    'uuid.bios = "56 4d 3c 1e 2f 8a 7b 11-9c 0d 55 46 21 9d 6e 3a"\n')
    state["running"].append(vmx)
    if vmx not in addresses:  # first power-on: the guest gets a lease of its own
        pool = [a.strip() for a in os.environ.get("STANDIN_VMRUN_GUEST_IPS", "").split(",") if a.strip()]
        free = [a for a in pool if a not in addresses.values()]
        if free:
            addresses[vmx] = free[0]
elif cmd == "stop":
    if not running:
        fail(f"The virtual machine is not powered on: {vmx}")
    state["running"].remove(vmx)
elif cmd == "deleteVM":
    if running:
        fail("The virtual machine should not be powered on. It is already running.")
    addresses.pop(vmx, None)
    base = vmx[: -len(".vmx")]
    for suffix in (".vmx", ".vmdk", ".vmsd", ".nvram", ".vmxf"):
        if os.path.exists(base + suffix):
            os.unlink(base + suffix)
elif cmd == "getGuestIPAddress":
    if not running:
        fail(f"The virtual machine is not powered on: {vmx}")
    ip = addresses.get(vmx) if os.environ.get("STANDIN_VMRUN_GUEST_IPS") else None
    if not ip:
        fail("Unable to get the IP address")
    print(ip)
    sys.exit(0)
else:
    fail("Unrecognized command")
save(state)
