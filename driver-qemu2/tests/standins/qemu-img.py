# A stand-in for qemu-img: answers --version like QEMU 7.2.
import sys

if sys.argv[1:] == ["--version"]:
    print("qemu-img version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
    sys.exit(0)
sys.exit(1)
