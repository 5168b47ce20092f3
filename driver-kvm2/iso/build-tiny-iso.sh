#!/usr/bin/env bash
# Build a tiny bootable ISO (boot2docker/minikube layout) from Debian packages only.
#
#   bash driver-kvm2/iso/build-tiny-iso.sh [OUTPUT_PATH]
#
# Default output: ${MINIKUBE_TINY_ISO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minikube-tiny-iso}/tiny-<hash>.iso
# (<hash> = short sha256 of this recipe) plus a stable symlink tiny.iso next to it
# (pointing at the last one built or reused). ISOs of other recipe versions are kept.
# An existing output is reused as is. The LAST line of stdout is the absolute ISO path;
# progress goes to stderr. See README.md next to this file for the guest contract.
set -euo pipefail

RECIPE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VOLID=TINYMINIKUBE
# Kernel modules the guest needs (dependencies are added automatically from
# the modules' own metadata; names built into the kernel are skipped).
# "disk:" ones are loaded only when no virtio disk shows up, "net:" ones only
# when no NIC shows up (saves ~1s of AHCI/ATA probing under emulation).
# virtiofs, 9p and 9pnet_virtio are for minikube's shared folders
# (mount -t virtiofs / mount -t 9p -o trans=virtio).
MODULES=(
  virtio_pci virtio_blk virtio_net virtio_rng virtio_console
  ext4 crc32c_generic button evdev
  virtiofs 9p 9pnet_virtio
  disk:virtio_scsi disk:sd_mod disk:ahci disk:ata_piix
  net:e1000
)

log() { printf 'build-tiny-iso: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

recipe_hash() {
  (cd "$RECIPE_DIR" && find build-tiny-iso.sh rootfs -type f -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum && find rootfs -type f -perm -u+x | LC_ALL=C sort) |
    sha256sum | cut -c1-12
}

HASH=$(recipe_hash)
DEFAULT_OUTPUT=0
if [[ $# -ge 1 && -n "$1" ]]; then
  OUTPUT=$1
else
  DEFAULT_OUTPUT=1
  CACHE_DIR=${MINIKUBE_TINY_ISO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minikube-tiny-iso}
  OUTPUT=$CACHE_DIR/tiny-$HASH.iso
fi
mkdir -p "$(dirname "$OUTPUT")"
OUTPUT=$(cd "$(dirname "$OUTPUT")" && pwd)/$(basename "$OUTPUT")

link_stable() {
  if [[ $DEFAULT_OUTPUT == 1 ]]; then
    ln -sfn "$(basename "$OUTPUT")" "$(dirname "$OUTPUT")/tiny.iso.tmp.$$"
    mv -fT "$(dirname "$OUTPUT")/tiny.iso.tmp.$$" "$(dirname "$OUTPUT")/tiny.iso"
  fi
}

if [[ -s $OUTPUT ]]; then
  link_stable
  echo "$OUTPUT"
  exit 0
fi

# Serialise concurrent builds of the same output.
exec 9>"$OUTPUT.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -s $OUTPUT ]]; then
  link_stable
  echo "$OUTPUT"
  exit 0
fi

START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tiny-iso.XXXXXX")
cleanup() { rm -rf "$WORK"; rm -f "$OUTPUT.lock"; }
trap cleanup EXIT
APTLOG=$WORK/apt.log

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*"
  fi
}

apt_updated=0
apt_update() {
  [[ $apt_updated == 1 ]] && return 0
  log "apt-get update"
  as_root apt-get update -q >>"$APTLOG" 2>&1 || { tail -n 20 "$APTLOG" >&2; die "apt-get update failed"; }
  apt_updated=1
}

# ---------------------------------------------------------------- host tools
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
ISOHDPFX=/usr/lib/ISOLINUX/isohdpfx.bin
LDLINUX=/usr/lib/syslinux/modules/bios/ldlinux.c32
need=()
command -v xorriso >/dev/null || need+=(xorriso)
command -v cpio >/dev/null || need+=(cpio)
command -v gzip >/dev/null || need+=(gzip)
command -v ldd >/dev/null || need+=(libc-bin)
[[ -f $ISOLINUX_BIN ]] || need+=(isolinux)
[[ -f $LDLINUX ]] || need+=(syslinux-common)
[[ -x /usr/sbin/dropbear && -x /usr/bin/dropbearkey ]] || need+=(dropbear-bin)
[[ -x /sbin/mke2fs || -x /usr/sbin/mke2fs ]] || need+=(e2fsprogs)
command -v mountpoint >/dev/null || need+=(util-linux)
# sudo (downloaded below) runs with the host's shared libraries and PAM module
PAM_PERMIT=/usr/lib/x86_64-linux-gnu/security/pam_permit.so
[[ -f $PAM_PERMIT ]] || PAM_PERMIT=/lib/x86_64-linux-gnu/security/pam_permit.so
[[ -f $PAM_PERMIT ]] || need+=(libpam-modules)
host_libs=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
for lib_pkg in libpam.so.0:libpam0g libaudit.so.1:libaudit1 libselinux.so.1:libselinux1 libz.so.1:zlib1g; do
  grep -qF "${lib_pkg%%:*} " <<<"$host_libs" || need+=("${lib_pkg#*:}")
done
if ((${#need[@]})); then
  apt_update
  log "installing build tools: ${need[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" \
    >>"$APTLOG" 2>&1 || { tail -n 20 "$APTLOG" >&2; die "apt-get install failed"; }
fi

# ------------------------------------------------------ guest Debian packages
apt_download() { # pkg...  (into $WORK/debs)
  local opts=()
  [[ $EUID -eq 0 ]] && opts=(-o APT::Sandbox::User=root)
  (cd "$WORK/debs" && apt-get -q "${opts[@]}" download "$@") >>"$APTLOG" 2>&1
}
mkdir -p "$WORK/debs"
kpkg=$(apt-cache depends --important linux-image-amd64 2>/dev/null |
  awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true)
if [[ -z $kpkg ]]; then
  apt_update
  kpkg=$(apt-cache depends --important linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[[ -n $kpkg ]] || die "cannot resolve linux-image-amd64 to a kernel package"
log "downloading $kpkg busybox-static sudo"
if ! apt_download "$kpkg" busybox-static sudo; then
  apt_update
  apt_download "$kpkg" busybox-static sudo || { tail -n 20 "$APTLOG" >&2; die "apt-get download failed"; }
fi
mkdir -p "$WORK/kernel" "$WORK/busybox" "$WORK/sudo"
dpkg-deb -x "$WORK"/debs/busybox-static_*.deb "$WORK/busybox"
dpkg-deb -x "$WORK"/debs/sudo_*.deb "$WORK/sudo"
# Only the kernel image and modules are needed from the kernel package.
dpkg-deb --fsys-tarfile "$WORK"/debs/"$kpkg"_*.deb |
  tar -x -C "$WORK/kernel" --wildcards './boot/vmlinuz-*' '*lib/modules/*' 2>/dev/null ||
  dpkg-deb -x "$WORK"/debs/"$kpkg"_*.deb "$WORK/kernel"
VMLINUZ=$(find "$WORK/kernel/boot" -name 'vmlinuz-*' | head -n1)
KVER=${VMLINUZ##*/vmlinuz-}
KMODS=$WORK/kernel/lib/modules/$KVER
[[ -d $KMODS ]] || KMODS=$WORK/kernel/usr/lib/modules/$KVER
[[ -d $KMODS ]] || die "no modules for $KVER"
BB=$WORK/busybox/bin/busybox
[[ -x $BB ]] || die "busybox binary missing in busybox-static"
log "kernel $KVER"

# ----------------------------------------------------------- initramfs tree
R=$WORK/root
mkdir -p "$R"/{usr/bin,usr/lib/x86_64-linux-gnu,usr/lib64,proc,sys,dev,run,tmp,mnt,root,home,etc,var/lib,var/log}
ln -s usr/bin "$R/bin"
ln -s usr/bin "$R/sbin"
ln -s bin "$R/usr/sbin"
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"
ln -s ../run "$R/var/run"
chmod 1777 "$R/tmp"
chmod 0700 "$R/root"
mknod -m 600 "$R/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$R/dev/null" c 1 3 2>/dev/null || true

# busybox and all its applets
install -m 0755 "$BB" "$R/usr/bin/busybox"
for applet in $("$BB" --list); do
  [[ $applet == busybox || -e $R/usr/bin/$applet ]] || ln -s busybox "$R/usr/bin/$applet"
done

# dynamically linked binaries from the host's Debian packages, with their libraries
# (ELF_LIBPATH: extra library dirs for ldd; libraries found there, i.e. under
# $WORK, are not copied: the caller installs them at their guest path)
copy_elf() { # src dest [mode]
  install -D -m "${3:-0755}" "$1" "$R$2"
  copy_libs "$1"
}
copy_libs() { # elf
  local out lib
  out=$(LD_LIBRARY_PATH=${ELF_LIBPATH:-} ldd "$1") || die "ldd $1 failed"
  if grep -q 'not found' <<<"$out"; then die "$1: libraries not found on this host: $out"; fi
  awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]*ld-linux/ {print $1}' <<<"$out" | while read -r lib; do
    [[ $lib == "$WORK"/* || -e $R$lib ]] && continue
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
  done
}
copy_elf /usr/sbin/dropbear /usr/bin/dropbear
copy_elf /usr/bin/dropbearkey /usr/bin/dropbearkey
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
copy_elf "$MKE2FS" /usr/bin/mke2fs.e2fsprogs
[[ -f /etc/mke2fs.conf ]] && install -m 0644 /etc/mke2fs.conf "$R/etc/mke2fs.conf"
# busybox-static has no mountpoint applet; minikube's mount commands use it
# (`if mountpoint -q DST; then sudo umount -f -l DST; fi; ... sudo mount ...`)
copy_elf "$(command -v mountpoint)" /usr/bin/mountpoint

# the real sudo (setuid root) from Debian's sudo package. Its RUNPATH is
# /usr/libexec/sudo (libsudo_util), where the dlopen()ed sudoers.so policy
# plugin also lives. PAM (libpam from the host) reads /etc/pam.d/sudo from
# rootfs/, which only uses pam_permit.so; /etc/sudoers is in rootfs/ too.
SUDO_X=$WORK/sudo
SUDO_LIBEXEC=/usr/libexec/sudo
mkdir -p "$R$SUDO_LIBEXEC"
cp -a "$SUDO_X$SUDO_LIBEXEC"/libsudo_util.so* "$R$SUDO_LIBEXEC/"
install -m 0644 "$SUDO_X$SUDO_LIBEXEC/sudoers.so" "$R$SUDO_LIBEXEC/sudoers.so"
ELF_LIBPATH=$SUDO_X$SUDO_LIBEXEC copy_libs "$SUDO_X$SUDO_LIBEXEC/sudoers.so"
ELF_LIBPATH=$SUDO_X$SUDO_LIBEXEC copy_elf "$SUDO_X/usr/bin/sudo" /usr/bin/sudo 4755
copy_elf "$PAM_PERMIT" /usr/lib/x86_64-linux-gnu/security/pam_permit.so 0644

# kernel modules: dependency closure of $MODULES from the modules' metadata
declare -A KO=() PICKED=()
while IFS= read -r f; do
  n=${f##*/}; n=${n%.ko*}; KO[${n//-/_}]=$f
done < <(find "$KMODS/kernel" -name '*.ko*')
builtin_list=$(sed 's#.*/##; s#\.ko.*##; s#-#_#g' "$KMODS/modules.builtin" 2>/dev/null || true)
pick() {
  local m=${1//-/_} dep deps
  [[ -n ${PICKED[$m]:-} ]] && return 0
  if [[ -z ${KO[$m]:-} ]]; then
    grep -qx "$m" <<<"$builtin_list" && return 0
    die "kernel module $m not found in $KVER"
  fi
  PICKED[$m]=1
  deps=$(tr '\0' '\n' <"${KO[$m]}" | sed -n 's/^depends=//p' | head -n1)
  for dep in ${deps//,/ }; do pick "$dep"; done
}
load_list=()
for entry in "${MODULES[@]}"; do
  m=${entry#*:}
  pick "$m"
  if [[ -n ${KO[${m//-/_}]:-} ]]; then load_list+=("$entry"); fi
done
for m in "${!PICKED[@]}"; do
  rel=${KO[$m]#"$KMODS/"}
  mkdir -p "$R/lib/modules/$KVER/$(dirname "$rel")"
  cp "${KO[$m]}" "$R/lib/modules/$KVER/$rel"
done
if [[ -f $KMODS/modules.builtin ]]; then cp "$KMODS/modules.builtin" "$R/lib/modules/$KVER/"; fi
"$BB" depmod -b "$R" "$KVER"
printf '%s\n' "${load_list[@]}" >"$R/etc/modules"
log "${#PICKED[@]} kernel modules: $(printf '%s ' "${!PICKED[@]}" | tr ' ' '\n' | sort | tr '\n' ' ')"

# the recipe's own files (init, inittab, udhcpc hook, passwd, ...)
cp -a "$RECIPE_DIR/rootfs/." "$R/"
chmod 0755 "$R/init" "$R/usr/share/udhcpc/default.script" "$R/etc/init.d/"* "$R/etc/acpi/PWRF/"*
chmod 0640 "$R/etc/shadow"
chmod 0440 "$R/etc/sudoers"
chmod 0644 "$R/etc/pam.d/sudo"
chmod 4755 "$R/usr/bin/sudo" # after everything else, nothing may have dropped the setuid bit
echo "$HASH" >"$R/etc/tiny-minikube-recipe"
echo "$KVER" >"$R/etc/tiny-minikube-kernel"

(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 -n >"$WORK/initrd"

# ---------------------------------------------------------------------- ISO
S=$WORK/iso
mkdir -p "$S/boot/isolinux"
cp "$VMLINUZ" "$S/boot/bzimage"
cp "$WORK/initrd" "$S/boot/initrd"
cp "$ISOLINUX_BIN" "$LDLINUX" "$S/boot/isolinux/"
cat >"$S/boot/isolinux/isolinux.cfg" <<'EOF'
DEFAULT tiny
PROMPT 0
TIMEOUT 0
NOESCAPE 1
LABEL tiny
  KERNEL /boot/bzimage
  APPEND initrd=/boot/initrd console=tty0 console=ttyS0,115200n8 random.trust_cpu=on panic=10 host=minikube
EOF
hybrid=()
[[ -f $ISOHDPFX ]] && hybrid=(-isohybrid-mbr "$ISOHDPFX")
xorriso -as mkisofs -quiet -o "$WORK/out.iso" -V "$VOLID" -R -J -l \
  -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
  -no-emul-boot -boot-load-size 4 -boot-info-table "${hybrid[@]}" "$S" >"$WORK/xorriso.log" 2>&1 ||
  { cat "$WORK/xorriso.log" >&2; die "xorriso failed"; }

mv -f "$WORK/out.iso" "$OUTPUT.tmp.$$"
mv -f "$OUTPUT.tmp.$$" "$OUTPUT"
link_stable
log "built $OUTPUT ($(du -h "$OUTPUT" | cut -f1), initrd $(du -h "$WORK/initrd" | cut -f1)) in $(($(date +%s) - START))s"
echo "$OUTPUT"
