#!/usr/bin/env bash
# The main job, from a fresh machine: host packages and daemons for kvm2, the tiny boot ISO,
# the packages into a venv by real pip installs, then `minikube start` (auto-selection picks
# kvm2), `minikube status` and `minikube ip`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${MINIKUBE_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}

if [ "$(id -u)" != 0 ]; then
  echo "scripts/main.sh: run it as root: it installs libvirt and QEMU (apt-get) and starts libvirtd," >&2
  echo "which the kvm2 driver needs. Or install those yourself and run the steps below by hand." >&2
  exit 1
fi
# libvirtd in the root network namespace, where you reach the VM (moved there if scripts/test-all.sh
# left it in its test namespace: either script may run first, and again)
bash "$ROOT/driver-kvm2/scripts/setup-host.sh"
iso=$(bash "$ROOT/driver-kvm2/iso/build-tiny-iso.sh" | tail -n1)

"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "$ROOT/core" "$ROOT/driver-kvm2"

export PATH="$VENV/bin:$PATH"
minikube drivers list
minikube start --iso-url "$iso"
minikube status
minikube ip
