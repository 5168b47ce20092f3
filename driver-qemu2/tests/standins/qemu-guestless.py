# A stand-in for qemu-system-*: the real QEMU, but with no guest (-M none, no NIC, no disk), keeping
# the driver's -qmp and -pidfile and -daemonize, so the driver gets a real pidfile and QMP socket.
# QEMU_STANDIN_REAL: the real binary.  QEMU_STANDIN_MODE:
#   hostfwd-once  the first run fails as QEMU does when a forwarded port was taken meanwhile
#   die           the QEMU started is SIGKILLed a second later (as if it crashed while booting)
# Each run appends its -nic value to QEMU_STANDIN_LOG.
import os
import subprocess
import sys

args = sys.argv[1:]
if args == ["--version"]:
    print("QEMU emulator version 7.2.22")
    sys.exit(0)
opts = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("-")}
log = os.environ["QEMU_STANDIN_LOG"]
with open(log, "a") as f:
    f.write(opts.get("-nic", "") + "\n")
runs = sum(1 for _ in open(log))
mode = os.environ.get("QEMU_STANDIN_MODE", "")
if mode == "hostfwd-once" and runs == 1:
    sys.stderr.write(f"qemu-system-x86_64: -nic {opts['-nic']}: Could not set up host forwarding rule "
                     f"'tcp:127.0.0.1:1-:22'\n")
    sys.exit(1)
real = [os.environ["QEMU_STANDIN_REAL"], "-M", "none", "-display", "none", "-nodefaults",
        "-qmp", opts["-qmp"], "-pidfile", opts["-pidfile"], "-daemonize"]
rc = subprocess.run(real).returncode
if rc == 0 and mode == "die":
    subprocess.Popen(["sh", "-c", f'sleep 1; kill -9 "$(cat {opts["-pidfile"]})"'], start_new_session=True)
sys.exit(rc)
