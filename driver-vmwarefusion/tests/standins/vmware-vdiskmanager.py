"""STAND-IN for vmware-vdiskmanager, written for these tests.

``-c -t 0 -s <N>MB -a lsilogic <path>`` creates ``<path>``: the "KDMV" magic of a sparse
VMDK followed by a descriptor naming the size (not a usable disk).  Calls are appended to
``STANDIN_VDISKMANAGER_RECORD``; ``STANDIN_VDISKMANAGER_FAIL`` makes it fail like the tool.
"""

import json
import os
import sys

args = sys.argv[1:]
record = os.environ.get("STANDIN_VDISKMANAGER_RECORD")
if record:
    with open(record, "a") as f:
        f.write(json.dumps(args) + "\n")
if os.environ.get("STANDIN_VDISKMANAGER_FAIL"):
    print(f"Creating disk '{args[-1]}'\nFailed to create disk: The file already exists (0x2c).")
    sys.exit(1)
if args[:1] != ["-c"] or "-s" not in args or "-t" not in args:
    print("VMware Virtual Disk Manager - build 0000 (stand-in).\nUsage: vmware-vdiskmanager OPTIONS <disk-name>")
    sys.exit(1)
size = args[args.index("-s") + 1]
path = args[-1]
mb = int(size[:-2]) if size.upper().endswith("MB") else int(size)
with open(path, "wb") as f:
    f.write(b"KDMV")
    f.write(f'\n# Disk DescriptorFile\ncreateType="monolithicSparse"\nRW {mb * 2048} SPARSE "{os.path.basename(path)}"\n'
            f'ddb.adapterType = "{args[args.index("-a") + 1]}"\n'.encode())
print(f"Creating disk '{path}'\n  Create: 100% done.\nVirtual disk creation successful.")
