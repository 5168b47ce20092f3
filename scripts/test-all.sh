#!/usr/bin/env bash
# Every test, from a fresh machine: host set-up (libvirt in a test network namespace, the tiny
# ISO), nox in a venv, then nox's default sessions (each distribution's tests, the template,
# the local package index, lint and type check).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
TOOLS=${MINIKUBE_TOOLS_VENV:-$ROOT/.nox-tools}
bash scripts/setup-go.sh  # Go for the live Go peer tests (core/tests/plugin/go), installed if missing

if [ "$(id -u)" = 0 ]; then
  # kvm2's integration tests boot real VMs: libvirtd runs in its own network namespace so
  # that every packet to a guest stays inside a namespace the tests made (moved there if
  # scripts/main.sh left it in the root namespace: either script may run first).
  export MINIKUBE_TEST_NETNS=${MINIKUBE_TEST_NETNS:-mk-test}
  bash driver-kvm2/scripts/setup-host.sh
  export MINIKUBE_TINY_ISO=$(bash driver-kvm2/iso/build-tiny-iso.sh | tail -n1)
  # core/tests/test_sudo_launch.py: sudo, and Debian's python3 able to make a venv for its test user
  if ! command -v sudo >/dev/null || ! command -v visudo >/dev/null || \
     ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q sudo python3-venv >/dev/null
  fi
else
  echo "test-all: not root: kvm2's libvirt integration tests and the sudo launch tests will report a skip with the reason" >&2
fi

"$PYTHON" -m venv "$TOOLS"
"$TOOLS/bin/pip" install -q --disable-pip-version-check "nox>=2024.10" "tomli>=2; python_version<'3.11'"
exec "$TOOLS/bin/nox" "$@"
