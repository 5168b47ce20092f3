# A stand-in for a virtiofsd: answers --version as STANDIN_VIRTIOFSD says: "rust" (Rust
# virtiofsd 1.10), "c" (QEMU 7.2's, run by root) or "c-user" (QEMU's, run by an ordinary user:
# it fails before reading its arguments).
import os
import sys

kind = os.environ.get("STANDIN_VIRTIOFSD", "rust")
if kind == "c-user":
    print("setgroups() failed with error=1:Operation not permitted", file=sys.stderr)
    sys.exit(1)
if sys.argv[1:] == ["--version"]:
    if kind == "rust":
        print("virtiofsd 1.10.1")
    else:
        print("virtiofsd version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
        print("Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers")
        print("using FUSE kernel interface version 7.36")
    sys.exit(0)
sys.exit(1)
