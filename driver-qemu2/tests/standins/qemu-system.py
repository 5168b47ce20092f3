# A stand-in for qemu-system-*: answers --version like QEMU 7.2; any other command line fails at
# once the way QEMU does when it cannot open a file (what QEMU_STANDIN_ERROR says, if set).
import os
import sys

if sys.argv[1:] == ["--version"]:
    print("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
    print("Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers")
    sys.exit(0)
name = os.path.basename(sys.argv[0])
sys.stderr.write(os.environ.get("QEMU_STANDIN_ERROR") or
                 f"{name}: -drive file=disk.qcow2,if=virtio,format=qcow2: Could not open 'disk.qcow2': "
                 "Permission denied\n")
sys.exit(1)
