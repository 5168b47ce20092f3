#!/usr/bin/env bash
# Host setup for minikube's kvm2 driver on Debian/Ubuntu without systemd. Idempotent.
#
#   sudo bash driver-kvm2/scripts/setup-host.sh                          # real users
#   sudo MINIKUBE_TEST_NETNS=mk-test bash driver-kvm2/scripts/setup-host.sh  # tests and CI
#
# 1. installs what kvm2 needs: libvirt's daemon and QEMU, dnsmasq for the DHCP leases,
#    libvirt-dev + pkg-config + gcc (pip builds libvirt-python from source), iproute2,
#    ssh-keygen/ssh;
# 2. makes /dev/kvm usable by the kvm group (chgrp kvm /dev/kvm && chmod 0660 /dev/kvm):
#    without it every libvirt call waits 30-47 s for a KVM probe that fails;
# 3. starts virtlogd and libvirtd when they are not running (no systemd here). With
#    MINIKUBE_TEST_NETNS set they run inside that network namespace (made if absent): the
#    libvirt bridges, dnsmasq and NAT then live there, while the qemu:///system socket stays
#    reachable from everywhere. Talk to guests with `ip netns exec <ns> ...`. Unset, libvirtd
#    runs in the root namespace, where real users reach their VMs. In a namespace, libvirtd gets
#    this host's cgroup mounts (`ip netns exec` gives it a fresh /sys without them); a libvirtd
#    already running in that namespace without them (started by hand: `ip netns exec <ns>
#    libvirtd -d`) is stopped (SIGTERM) and started again with them; its networks and VMs keep
#    running;
# 4. moves a libvirtd that runs in another network namespace than that one (scripts/main.sh
#    and scripts/test-all.sh, run one after the other): its active networks are stopped there
#    (bridges, dnsmasq, NAT rules go), it is stopped (SIGTERM) and started in the wanted
#    namespace, and the same networks are started again there. Running VMs keep running, but
#    their network is cut until they are rebooted in the new namespace (or libvirtd goes back);
# 5. waits until `virsh -c qemu:///system version` answers;
# 6. makes sure the `default` network exists, is active and autostarts.
#
# Exit status: 0 ready; 2 not root (says what to run); 3 packages could not be installed;
# 4 libvirt cannot run here (says why); 5 a libvirtd to move or restart would not stop.
set -euo pipefail

PACKAGES=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils libvirt-dev pkg-config
          gcc libc6-dev dnsmasq-base iproute2 iptables openssh-client)
NETNS=${MINIKUBE_TEST_NETNS:-}
URI=qemu:///system

say() { printf 'setup-host: %s\n' "$*" >&2; }
die() { local code=$1; shift; printf 'setup-host: ERROR: %s\n' "$*" >&2; exit "$code"; }

if [[ $(uname -m) != x86_64 ]]; then
  die 4 "the kvm2 driver supports linux/amd64 only (this is $(uname -s)/$(uname -m)); use another driver"
fi
if [[ $EUID -ne 0 ]]; then
  die 2 "run this as root (sudo bash $0): it installs ${PACKAGES[*]} with apt-get (libvirt's daemon and QEMU run the VMs, dnsmasq hands out their IPs, libvirt-dev, pkg-config and gcc let pip build libvirt-python), fixes /dev/kvm permissions and starts virtlogd and libvirtd"
fi

# ---------------------------------------------------------------- packages
missing=()
for p in "${PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *"install ok installed"* ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null ||
    die 3 "apt-get not found: install these (or your distribution's equivalents) by hand: ${missing[*]}"
  say "installing ${missing[*]}"
  log=$(mktemp)
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    die 3 "apt-get could not install ${missing[*]} (see above)"
  fi
  rm -f "$log"
fi

# ---------------------------------------------------------------- /dev/kvm
if [[ -e /dev/kvm ]]; then
  getent group kvm >/dev/null || groupadd --system kvm
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
  if ! grep -qE '\b(vmx|svm)\b' /proc/cpuinfo; then
    say "note: the CPU does not advertise vmx/svm: kvm2 will use software emulation (--kvm-virt-type qemu)"
  fi
else
  say "note: no /dev/kvm: kvm2 will use software emulation (slower); load kvm_intel or kvm_amd for KVM"
fi

# ------------------------------------------------------------------ daemons
pid_of() { # daemon -> pid of the running one, from its pid file
  local f=/run/$1.pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ -d /proc/$pid ]] && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$1"* ]] || return 1
  echo "$pid"
}

netns_of() { # pid -> namespace name ("" = this script's, the root namespace; "?" = an unnamed other)
  local name
  name=$(ip netns identify "$1" 2>/dev/null || true)
  if [[ -z $name && $(readlink "/proc/$1/ns/net") != "$(readlink /proc/$$/ns/net)" ]]; then
    name="?"
  fi
  echo "$name"
}

run=()
in_netns() { # make the namespace (once) and run daemons inside it
  [[ -z $NETNS || ${#run[@]} -gt 0 ]] && return 0
  [[ $NETNS =~ ^[A-Za-z0-9_.-]+$ ]] || die 4 "MINIKUBE_TEST_NETNS=$NETNS is not a valid namespace name"
  if [[ ! -e /run/netns/$NETNS ]]; then
    ip netns add "$NETNS" || die 4 "cannot create network namespace $NETNS (needs CAP_SYS_ADMIN)"
  fi
  ip netns exec "$NETNS" ip link set lo up
  run=(ip netns exec "$NETNS")
}

cgroup_mounts() { # mountinfo file -> "TARGET FSTYPE OPTIONS" of each cgroup file system (and tmpfs) under /sys/fs/cgroup, sorted
  # mountinfo(5): ID PARENT MAJ:MIN ROOT TARGET MOUNT-OPTIONS [OPTIONAL-FIELDS...] - FSTYPE SOURCE SUPER-OPTIONS
  { awk '{
      for (i = 7; i < NF && $i != "-"; i++) ;
      if (index($5, "/sys/fs/cgroup") == 1 && ($(i+1) == "cgroup" || $(i+1) == "cgroup2" || $(i+1) == "tmpfs"))
        print $5, $(i+1), $(i+3)
    }' "$1" 2>/dev/null || true; } | LC_ALL=C sort
}

# The cgroup mounts a libvirtd started in NETNS gets: this namespace's (none without NETNS: the
# root namespace's /sys already has them).
wanted_cgroups=""
if [[ -n $NETNS ]]; then
  wanted_cgroups=$(cgroup_mounts "/proc/$$/mountinfo")
fi

missing_cgroups() { # pid -> the wanted cgroup mounts (TARGET FSTYPE, one a line) its mount namespace lacks
  [[ -n $wanted_cgroups ]] || return 0
  LC_ALL=C comm -23 <(cut -d' ' -f1,2 <<<"$wanted_cgroups" | LC_ALL=C sort -u) \
    <(cgroup_mounts "/proc/$1/mountinfo" | cut -d' ' -f1,2 | LC_ALL=C sort -u)
}

stop_daemon() { # pid, namespace name (for the message) -> SIGTERM, then wait up to 30 s for it to go
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 150); do
    [[ -d /proc/$1 ]] || return 0
    sleep 0.2
  done
  die 5 "libvirtd (pid $1) in network namespace '${2:-<root>}' did not stop within 30 s; stop it (kill -9 $1) and run this again"
}

moved_networks=()
if pid=$(pid_of libvirtd); then
  have=$(netns_of "$pid")
  missing=""
  if [[ $have == "$NETNS" ]]; then
    missing=$(missing_cgroups "$pid")
  fi
  if [[ -n $missing ]]; then
    # Started without them (by hand, or by an older version of this script): libvirtd would put no
    # QEMU (or virtiofsd) in a cgroup, and libvirt 9.0 crashes hot-plugging a virtio-fs device.
    # Restarted in the same namespace, it finds its running networks and VMs again.
    say "libvirtd (pid $pid) runs in network namespace $NETNS without the cgroup mounts it gets here ($(cut -d' ' -f1 <<<"$missing" | paste -sd' ')): restarting it with them"
    stop_daemon "$pid" "$have"
  elif [[ $have != "$NETNS" ]]; then
    # One libvirtd serves qemu:///system: the last script run decides where its networks live.
    say "libvirtd (pid $pid) runs in network namespace ${have:-<root>}: moving it to ${NETNS:-<root>}"
    mapfile -t moved_networks < <(virsh -c "$URI" net-list --name 2>/dev/null | sed '/^$/d')
    mapfile -t running < <(virsh -c "$URI" list --name 2>/dev/null | sed '/^$/d')
    for net in "${moved_networks[@]}"; do
      virsh -c "$URI" net-destroy "$net" >/dev/null 2>&1 || say "note: could not stop network $net in ${have:-<root>}"
    done
    stop_daemon "$pid" "$have"
    if ((${#running[@]})); then
      say "note: these VMs keep running, cut off from their networks until libvirtd is back in ${have:-<root>} or they are restarted (minikube stop && minikube start): ${running[*]}"
    fi
  fi
fi

if pid=$(pid_of libvirtd); then
  if ! pid_of virtlogd >/dev/null; then
    say "starting virtlogd"
    virtlogd -d || die 4 "virtlogd did not start"
  fi
else
  in_netns
  if ! pid_of virtlogd >/dev/null; then
    say "starting virtlogd"
    "${run[@]}" virtlogd -d || die 4 "virtlogd did not start"
  fi
  say "starting libvirtd${NETNS:+ in network namespace $NETNS}"
  # `ip netns exec` mounts a fresh /sys without the cgroup filesystems. libvirtd needs them to put each
  # QEMU (and the virtiofsd of a shared folder) in a cgroup, as on a systemd host; libvirt 9.0 even
  # crashes hot-plugging a virtio-fs device (minikube mount) into a domain without one. So the
  # namespace's /sys gets the same cgroup mounts as this one (wanted_cgroups; none: nothing to do),
  # which is also what an already running libvirtd is checked for (missing_cgroups).
  cgroups=""
  while read -r target fstype opts; do
    [[ -n $target ]] || continue
    cgroups+="mkdir -p '$target' && mount -t $fstype -o '$opts' $fstype '$target' && "
  done <<<"$wanted_cgroups"
  "${run[@]}" sh -c "${cgroups}exec libvirtd -d" || die 4 "libvirtd did not start"
fi

for _ in $(seq 150); do
  virsh -c "$URI" version >/dev/null 2>&1 && break
  sleep 0.2
done
if ! out=$(virsh -c "$URI" version 2>&1); then
  die 4 "libvirtd does not answer on $URI after 30 s: $out"
fi

# --------------------------------------------------------- default network
if ! virsh -c "$URI" net-info default >/dev/null 2>&1; then
  xml=/usr/share/libvirt/networks/default.xml
  [[ -f $xml ]] || die 4 "the libvirt network 'default' is missing and $xml does not exist"
  say "defining the libvirt network 'default'"
  virsh -c "$URI" net-define "$xml" >/dev/null
fi
info=$(virsh -c "$URI" net-info default)
if ! [[ $info =~ Active:[[:space:]]+yes ]]; then
  say "starting the libvirt network 'default'"
  virsh -c "$URI" net-start default >/dev/null || die 4 "cannot start the libvirt network 'default'"
fi
virsh -c "$URI" net-autostart default >/dev/null
for net in "${moved_networks[@]}"; do  # the moved libvirtd's other networks (minikube's mk-<profile>)
  if ! [[ $(virsh -c "$URI" net-info "$net" 2>/dev/null) =~ Active:[[:space:]]+yes ]]; then
    virsh -c "$URI" net-start "$net" >/dev/null 2>&1 || say "note: could not start the libvirt network $net again"
  fi
done
if ((${#moved_networks[@]})); then
  # VMs started in this namespace before libvirtd left it: their NICs (taps) are still here, off
  # any bridge since the networks were stopped. Plug them into the networks' new bridges.
  here=(); [[ -n $NETNS ]] && here=(ip netns exec "$NETNS")
  while read -r dom; do
    [[ -n $dom ]] || continue
    while read -r tap _ source _; do
      [[ $tap == vnet* && -n $source ]] || continue
      "${here[@]}" ip link show "$tap" >/dev/null 2>&1 || continue
      bridge=$(virsh -c "$URI" net-info "$source" 2>/dev/null | awk '/^Bridge:/ {print $2}')
      [[ -n $bridge ]] && "${here[@]}" ip link set "$tap" master "$bridge" 2>/dev/null &&
        say "reattached $dom's $tap to $bridge ($source)"
    done < <(virsh -c "$URI" domiflist "$dom" 2>/dev/null | tail -n +3)
  done < <(virsh -c "$URI" list --name 2>/dev/null)
fi

say "ready: libvirtd $(virsh -c "$URI" version --daemon 2>/dev/null | awk '/daemon/ {print $NF}')${NETNS:+ in network namespace $NETNS}, /dev/kvm $(stat -c '%G %a' /dev/kvm 2>/dev/null || echo absent)"
