"""STAND-IN for macOS's /sbin/nfsd, written for these tests.

``nfsd -F <file> checkexports`` accepts a file unless a line contains ``REJECT`` (a bad
export) or ``CONFLICT`` (an export that overlaps another); then it prints nfsd's complaint and
exits 1; ``nfsd restart`` succeeds.  Every call is appended to
``STANDIN_NFSD_RECORD`` as a JSON list.
"""

import json
import os
import sys

args = sys.argv[1:]
record = os.environ.get("STANDIN_NFSD_RECORD")
if record:
    with open(record, "a") as f:
        f.write(json.dumps(args) + "\n")
if args[:1] == ["-F"] and args[2:3] == ["checkexports"]:
    with open(args[1]) as f:
        for no, line in enumerate(f, 1):
            if "REJECT" in line:
                sys.stderr.write(f"exports:{no}: couldn't get export path: {line.split()[0]}\n")
                sys.exit(1)
            if "CONFLICT" in line:
                sys.stderr.write(f"exports:{no}: {line.split()[0]} conflicts with existing export /\n")
                sys.exit(1)
    sys.exit(0)
if args == ["restart"]:
    sys.exit(0)
sys.stderr.write(f"nfsd: unknown command {args}\n")
sys.exit(2)
