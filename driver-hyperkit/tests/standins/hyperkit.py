"""STAND-IN for hyperkit, written for these tests (no hypervisor exists on the test machines).

It honours the parts of hyperkit's command-line contract the driver relies on:

* ``-v`` prints a version the way hyperkit does (``STANDIN_HYPERKIT_VERSION_OUTPUT`` overrides
  it, ``STANDIN_HYPERKIT_VERSION_SLEEP`` makes it slow, ``STANDIN_HYPERKIT_VERSION_EXIT`` fail);
* otherwise it appends its arguments (one JSON list per line) to ``STANDIN_HYPERKIT_RECORD``,
  writes its pid to the ``-F`` pid file (O_EXCL, like hyperkit, which refuses to start over
  an existing pid file), writes boot lines to the ``log=`` console ring of ``-l com1,...``,
  then sleeps until SIGTERM, removing the pid file on the way out.

``STANDIN_HYPERKIT_MODE``: ``run`` (default), ``crash`` (print an error, write a console line,
exit 1 at start), ``ignore-term`` (SIGTERM is ignored; only SIGKILL stops it).
"""

import json
import os
import signal
import sys
import time

DEFAULT_VERSION = "hyperkit: v0.20190201-11-gc0dd46\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n\n"


def opt(args, flag):
    return [args[i + 1] for i in range(len(args) - 1) if args[i] == flag]


def main():
    args = sys.argv[1:]
    if args[:1] == ["-v"]:
        time.sleep(float(os.environ.get("STANDIN_HYPERKIT_VERSION_SLEEP", "0")))
        sys.stdout.write(os.environ.get("STANDIN_HYPERKIT_VERSION_OUTPUT", DEFAULT_VERSION))
        sys.exit(int(os.environ.get("STANDIN_HYPERKIT_VERSION_EXIT", "0")))
    record = os.environ.get("STANDIN_HYPERKIT_RECORD")
    if record:
        with open(record, "a") as f:
            f.write(json.dumps(args) + "\n")
    ring = ""
    for lpc in opt(args, "-l"):
        for part in lpc.split(","):
            if part.startswith("log="):
                ring = part[4:]
    mode = os.environ.get("STANDIN_HYPERKIT_MODE", "run")
    if mode == "crash":
        if ring:
            with open(ring, "a") as f:
                f.write("[    0.000000] Linux version 4.19.107 (stand-in)\n[    0.412345] Kernel panic - not syncing: stand-in crash\n")
        sys.stderr.write("vmx_set_ctlreg: cap_field: 2 bit: 20 unspecified don't care: bit is 0\n")
        sys.stderr.write("hv_vm_create failed: stand-in hyperkit asked to crash\n")
        sys.exit(1)
    for pidfile in opt(args, "-F"):
        try:
            fd = os.open(pidfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError:
            sys.stderr.write("Failed to set up pidfile\npidfile error -1\n")
            sys.exit(1)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    def leave(*_):
        for pidfile in opt(args, "-F"):
            try:
                os.unlink(pidfile)
            except OSError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "ignore-term" else leave)
    if ring:
        with open(ring, "a") as f:
            f.write("[    0.000000] Linux version 4.19.107 (stand-in)\nWelcome to minikube (stand-in)\n")
    while True:
        time.sleep(3600)


main()
