#!/usr/bin/env bash
# Every test, from a fresh machine: host set-up (libvirt in a test network namespace, the tiny
# ISO), nox in a venv, then nox's default sessions (the wheelhouse, each distribution's tests, the
# template, the local package index, lint and type check; as root, the real-VM sessions run beside
# the others). Arguments go to nox instead (`bash scripts/test-all.sh -s tests-core`). At the end a table gives each step's and each nox
# session's wall time; the exit status is nox's (non-zero when any session failed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
TOOLS=${MINIKUBE_TOOLS_VENV:-$ROOT/.nox-tools}
WORK=$(mktemp -d)
wheelhouse=""  # the pid of the wheelhouse build while it runs
trap '[ -z "$wheelhouse" ] || kill "$wheelhouse" 2>/dev/null; rm -rf "$WORK"' EXIT

steps=()  # "seconds name" of each step before nox
step() {  # NAME COMMAND...: run it, note its wall time
  local name=$1 start=$SECONDS
  shift
  "$@"
  steps+=("$((SECONDS - start)) $name")
}

step go bash scripts/setup-go.sh  # Go for the live Go peer tests (core/tests/plugin/go), installed if missing

if [ "$(id -u)" = 0 ]; then
  # kvm2's integration tests boot real VMs: libvirtd runs in its own network namespace so
  # that every packet to a guest stays inside a namespace the tests made (moved there if
  # scripts/main.sh left it in the root namespace: either script may run first).
  export MINIKUBE_TEST_NETNS=${MINIKUBE_TEST_NETNS:-mk-test}
  # As root every real-VM test can run here: one that cannot fails its session instead of skipping.
  export MINIKUBE_REQUIRE_VMS=1
  step setup-host bash driver-kvm2/scripts/setup-host.sh
  # core/tests/test_sudo_launch.py: sudo, and Debian's python3 able to make a venv for its test user
  if ! command -v sudo >/dev/null || ! command -v visudo >/dev/null || \
     ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q sudo python3-venv >/dev/null
  fi
else
  echo "test-all: not root: kvm2's libvirt integration tests and the sudo launch tests will report a skip with the reason" >&2
fi

nox_venv() {
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check "nox>=2024.10" "tomli>=2; python_version<'3.11'"
}
step nox-venv nox_venv
NOX=("$TOOLS/bin/nox")

if [ "$(id -u)" = 0 ]; then
  # The wheelhouse (every third-party wheel; libvirt-python, which needs setup-host's libvirt-dev,
  # compiled once) and the shared test venv are made while the ISO is built: both mostly wait on
  # the network. The nox run below then finds them (its `wheelhouse` session takes a second).
  start=$SECONDS
  "${NOX[@]}" -s wheelhouse >"$WORK/wheelhouse.log" 2>&1 &
  wheelhouse=$!
  iso_start=$SECONDS
  # (a failed build leaves it empty, as before: kvm2's VM tests then say what is wrong)
  MINIKUBE_TINY_ISO=$(bash driver-kvm2/iso/build-tiny-iso.sh | tail -n1) || true
  export MINIKUBE_TINY_ISO
  steps+=("$((SECONDS - iso_start)) tiny-iso")
  wait "$wheelhouse" || { cat "$WORK/wheelhouse.log" >&2; echo "test-all: building the wheelhouse failed (above)" >&2; }
  wheelhouse=""
  steps+=("$((SECONDS - start)) wheelhouse (beside tiny-iso)")
fi

rc=0
reports=("$WORK/report.json")
if [ $# -gt 0 ] || [ "$(id -u)" != 0 ]; then
  "${NOX[@]}" --report "$WORK/report.json" "$@" || rc=$?
else
  # The real-VM sessions (kvm2, qemu2: most of their time is guests booting) run beside the
  # others instead of after them; their output follows the others' at the end.
  vm=(tests-driver-kvm2 tests-driver-qemu2)
  mapfile -t others < <("${NOX[@]}" -l 2>/dev/null | sed -n 's/^\* \([^ ]*\).*/\1/p' | grep -vxF -e "${vm[0]}" -e "${vm[1]}")
  "${NOX[@]}" --report "$WORK/vm.json" -s "${vm[@]}" >"$WORK/vm.log" 2>&1 &
  vms=$!
  "${NOX[@]}" --report "$WORK/report.json" -s "${others[@]}" || rc=$?
  vmrc=0
  wait "$vms" || vmrc=$?
  echo "test-all: the real-VM sessions (${vm[*]}), which ran beside the others:"
  cat "$WORK/vm.log"
  [ "$vmrc" = 0 ] || rc=$vmrc
  reports+=("$WORK/vm.json")
fi

# Each step's and each session's wall time, so that the next slow-down is seen where it happens.
"$TOOLS/bin/python" - "$(IFS=:; echo "${reports[*]}")" "$SECONDS" "${steps[@]}" <<'EOF' || true
import json, sys
from pathlib import Path

reports, total, steps = sys.argv[1].split(":"), float(sys.argv[2]), [s.split(" ", 1) for s in sys.argv[3:]]
rows = [(name, float(sec), "") for sec, name in steps]
sessions = []
for report in map(Path, reports):
    if report.is_file():
        sessions += json.loads(report.read_text())["sessions"]
rows += [(s["name"], s.get("duration") or 0.0, s["result"]) for s in sessions]
rows.append(("total (test-all.sh)", total, ""))
width = max(len(r[0]) for r in rows)
print(f"\ntest-all: wall time\n  {'step / nox session':<{width}}  {'seconds':>7}  result")
for name, sec, result in rows:
    print(f"  {name:<{width}}  {sec:7.0f}  {result}")
ok = sum(s["result"] in ("success", "skipped") for s in sessions)
print(f"sessions: {ok} passed, {len(sessions) - ok} failed")
EOF
exit "$rc"
