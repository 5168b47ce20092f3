#!/usr/bin/env bash
# Isolated check of setup-host.sh's "already running libvirtd" decision: its own code (extracted
# with sed, unchanged) run against sleep processes in a throwaway network namespace, with pid_of,
# stop_daemon, virsh and kill stubbed so that nothing touches the real libvirtd or mk-test.
set -euo pipefail
SCRIPT=${1:?usage: setup_host_probe.sh SETUP-HOST.SH [NAMESPACE]}
PROBE_NS=${2:-mk-probe-$$}
URI=qemu:///system
fail=0
check() { if [[ $2 == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: got [$2] want [$3]"; fail=1; fi; }

extract() { sed -n "$1" "$SCRIPT"; }
eval "$(extract '/^netns_of() {/,/^}/p')"
eval "$(extract '/^cgroup_mounts() {/,/^}/p')"
eval "$(extract '/^missing_cgroups() {/,/^}/p')"
WANTED_BLOCK=$(extract '/^wanted_cgroups=""$/,/^fi$/p')
DECISION=$(extract '/^moved_networks=()$/,/^fi$/p')
CGROUP_CMD=$(extract '/^  cgroups=""$/,/^  done <<<"\$wanted_cgroups"$/p')
[[ -n $WANTED_BLOCK && -n $DECISION && -n $CGROUP_CMD ]] || { echo "could not extract the script's blocks"; exit 2; }

# --- 1. the mountinfo parser on fake /proc/PID/mountinfo files -------------------------------------
fake=$(mktemp -d)
cat >"$fake/with" <<'M'
22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw
23 22 0:22 / /sys/fs/cgroup ro,nosuid shared:8 master:3 - tmpfs tmpfs ro,mode=755
24 23 0:23 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw,nsdelegate
25 23 0:24 / /sys/fs/cgroup/cpu,cpuacct rw shared:10 - cgroup cgroup rw,cpu,cpuacct
26 1 0:25 / /dev/shm rw - tmpfs tmpfs rw
M
cat >"$fake/bare" <<'M'
56 53 0:40 / /sys rw,relatime - sysfs mk-test rw
26 1 0:25 / /dev/shm rw - tmpfs tmpfs rw
M
check "parser: optional fields, cgroup v1+v2, tmpfs outside /sys/fs/cgroup ignored" "$(cgroup_mounts "$fake/with" | paste -sd'|')" \
  "/sys/fs/cgroup tmpfs ro,mode=755|/sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct|/sys/fs/cgroup/unified cgroup2 rw,nsdelegate"
check "parser: a bare ip-netns-exec /sys has none" "$(cgroup_mounts "$fake/bare")" ""
check "parser: an unreadable file is none, not an error" "$(cgroup_mounts "$fake/absent")" ""
check "parser: this host, same as findmnt" "$(cgroup_mounts /proc/$$/mountinfo)" \
  "$(findmnt -rn -t cgroup,cgroup2,tmpfs -o TARGET,FSTYPE,FS-OPTIONS | awk 'index($1, "/sys/fs/cgroup") == 1' | LC_ALL=C sort)"
rm -rf "$fake"

# --- 2. real processes in a throwaway namespace ---------------------------------------------------
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; ip netns del "$PROBE_NS" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$PROBE_NS"
NETNS=$PROBE_NS
eval "$WANTED_BLOCK"
[[ -n $wanted_cgroups ]] || { echo "this host has no cgroup mounts: nothing to test"; exit 2; }
eval "$CGROUP_CMD"   # -> $cgroups, the mount commands the script runs before exec libvirtd
ip netns exec "$PROBE_NS" sleep 600 & bare=$!; pids+=("$bare")                      # ip netns exec mk-test libvirtd -d
ip netns exec "$PROBE_NS" sh -c "${cgroups}exec sleep 600" & scripted=$!; pids+=("$scripted")  # the script's way
sleep 600 & rootns=$!; pids+=("$rootns")
sleep 1

check "missing: bare process in the namespace lacks every wanted mount" "$(missing_cgroups "$bare" | cut -d' ' -f1 | paste -sd' ')" \
  "$(cut -d' ' -f1 <<<"$wanted_cgroups" | LC_ALL=C sort -u | paste -sd' ')"
check "missing: started the script's way lacks none" "$(missing_cgroups "$scripted")" ""
check "missing: a dead pid lacks all (restart is tried, kill fails, start follows)" "$(missing_cgroups 999999999 | wc -l)" "$(wc -l <<<"$wanted_cgroups")"

# --- 3. the script's decision block, with everything that acts stubbed ----------------------------
decide() { # NETNS pid -> what the block did
  local NETNS=$1 FAKE_PID=$2 actions=""
  pid_of() { [[ $1 == libvirtd ]] && echo "$FAKE_PID"; }
  stop_daemon() { actions+="stop($1,${2:-root}) "; }
  virsh() { actions+="virsh($*) "; }
  kill() { actions+="kill($*) "; }
  say() { actions+="say($*) "; }
  wanted_cgroups=""
  eval "$WANTED_BLOCK"
  eval "$DECISION"
  unset -f pid_of stop_daemon virsh kill say
  echo "$actions"
}
out=$(decide "$PROBE_NS" "$bare")
check "decision: bare libvirtd in the test namespace is restarted, networks untouched" \
  "$([[ $out == *"without the cgroup mounts"*"restarting it with them"*"stop($bare,$PROBE_NS)"* && $out != *virsh* ]] && echo yes)" yes
check "decision: started the script's way is accepted" "$(decide "$PROBE_NS" "$scripted")" ""
out=$(decide "$PROBE_NS" "$rootns")
check "decision: in the root namespace, moved to the test one (as before)" \
  "$([[ $out == *"runs in network namespace <root>: moving it to $PROBE_NS"*"stop($rootns,root)"* ]] && echo yes)" yes
check "decision: root namespace wanted, running there: accepted (no cgroup check there)" "$(decide "" "$rootns")" ""
out=$(decide "" "$bare")
check "decision: root namespace wanted, bare one in the test namespace: moved (as before)" \
  "$([[ $out == *"runs in network namespace $PROBE_NS: moving it to <root>"*"stop($bare,$PROBE_NS)"* && $out != *"cgroup mounts"* ]] && echo yes)" yes
exit $fail
