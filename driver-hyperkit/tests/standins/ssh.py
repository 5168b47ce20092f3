"""STAND-IN for OpenSSH's ssh client, written for these tests: records argv and stdin.

Appends ``{"argv": [...], "stdin": "..."}`` to ``STANDIN_SSH_RECORD`` and exits 0 (or
``STANDIN_SSH_EXIT`` with a message on stderr).
"""

import json
import os
import sys

data = sys.stdin.read()
with open(os.environ["STANDIN_SSH_RECORD"], "a") as f:
    f.write(json.dumps({"argv": sys.argv[1:], "stdin": data}) + "\n")
code = int(os.environ.get("STANDIN_SSH_EXIT", "0"))
if code:
    sys.stderr.write("mount.nfs: access denied by server (stand-in)\n")
sys.exit(code)
