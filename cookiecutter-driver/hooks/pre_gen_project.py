"""Refuse answers that would make a broken driver package, before any file is written.

cookiecutter runs this after rendering the answers; a non-zero exit makes it delete the
(still empty) project directory, so nothing is generated.
"""

import json
import re
import sys

# The answers as JSON in a raw string: Jinja's tojson escapes every quote, so any answer (even
# one with quotes or backslashes) reaches this script intact, to be refused below.
ANSWERS = json.loads(r'''{{ cookiecutter|tojson }}''')
NAME = ANSWERS["driver_name"]
TITLE = ANSWERS["title"]
MIN_CORE_VERSION = ANSWERS["min_core_version"]

#: The same rule as minikube.testing's DRIVER_NAME_RE (a test keeps them equal).
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_NAME = 40
#: The oldest core the baked package works with: its toml declares driver API >=1.5 (1.1 brought
#: DriverDef.declared, capabilities, declared reasons and Health; 1.2 the boot_image capability;
#: 1.4 nodes: its configure reads ClusterConfig.machine_name; 1.5 readiness: its toml declares
#: no_ssh), which came with minikube 0.6.0.
OLDEST_CORE = (0, 6, 0)
#: Names minikube itself or this project's drivers already use.
TAKEN = {
    "minikube": "that is minikube itself",
    "kvm2": "minikube-driver-kvm2 provides it",
    "kvm": "it is an alias of kvm2 (minikube-driver-kvm2)",
    "hyperkit": "minikube-driver-hyperkit provides it",
    "vmwarefusion": "minikube-driver-vmwarefusion provides it",
    "qemu2": "minikube-driver-qemu2 provides it",
    "qemu": "it is an alias of qemu2 (minikube-driver-qemu2)",
}


def problems() -> list:
    found = []
    if not NAME_RE.match(NAME):
        found.append(f"invalid driver name {NAME!r}: use lower-case letters, digits and single dashes, "
                     "starting with a letter (e.g. foo, my-vm, parallels2)")
    elif len(NAME) > MAX_NAME:
        found.append(f"invalid driver name {NAME!r}: at most {MAX_NAME} characters")
    elif NAME in TAKEN or NAME.startswith("minikube-"):
        why = TAKEN.get(NAME, "names starting with minikube- clash with minikube's own distributions")
        found.append(f"the driver name {NAME!r} is taken: {why}")
    if not TITLE.strip():
        found.append("the title is empty")
    if not re.match(r"^\d+(\.\d+){0,2}$", MIN_CORE_VERSION):
        found.append(f"invalid minimum core version {MIN_CORE_VERSION!r}: use a version like 0.6.0")
    elif tuple(int(p) for p in (MIN_CORE_VERSION.split(".") + ["0", "0"])[:3]) < OLDEST_CORE:
        oldest = ".".join(map(str, OLDEST_CORE))
        found.append(f"minimum core version {MIN_CORE_VERSION!r} is too old: the package uses driver API 1.5 "
                     f"(its minikube-driver.toml declares no_ssh), which needs minikube >= {oldest}")
    return found


if __name__ == "__main__":
    errors = problems()
    for err in errors:
        print(f"ERROR: {err}", file=sys.stderr)
    if errors:
        print("Nothing was generated.", file=sys.stderr)
        sys.exit(1)
