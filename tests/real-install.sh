#!/bin/bash
# Checks a site's whole network-install chain with one real guest, the way the provisioner installs
# every guest: `provision apply` defines and starts a KVM/QEMU guest that network-boots (its
# firmware's PXE: SeaBIOS + iPXE), DHCP and TFTP hand it pxelinux.0 and the pxelinux entry apply
# wrote, pxelinux loads the Debian installer's kernel and initrd, the installer fetches its preseed
# from `provision serve` and acknowledges (the shipped kickstart-templates/debian-netboot-check.cfg:
# the same ack a real install sends last, then power off; nothing is installed, no mirror needed).
# Then it checks that the ack switched the guest to its disk: the pxelinux entry says localboot,
# the domain's definition boots the disk, and a second start boots the disk (the console shows it),
# with no second DHCP request, TFTP transfer or preseed fetch. Prints how long each stage took.
#
# Run as root on the host that should serve the installs, in the network namespace where SERVER-IP
# is one of its addresses, with BRIDGE (on the libvirt host) on the same link. Example:
#   tests/real-install.sh --connect qemu:///system --bridge br0 --server-ip 192.0.2.1 --guest-ip 192.0.2.50
# --dhcp pxe-mock (default) or dnsmasq answers DHCP only for the guest's MAC and serves TFTP on
# ports 67/69 of this host; --dhcp site leaves both to the site's own servers (give them the MAC,
# GUEST-IP, next-server this host... see --help). The guest, its disk and every file are removed at
# the end unless --keep DIR is given or a step fails (then the folder is kept and named).
set -euo pipefail

usage() {
  cat <<EOF
Usage: tests/real-install.sh --connect URI --bridge BRIDGE --server-ip IP --guest-ip IP [options]

  --connect URI      libvirt URI of the hypervisor host (e.g. qemu:///system, qemu+ssh://host/system)
  --bridge NAME      the bridge on that host the guest's vif joins (must reach SERVER-IP)
  --server-ip IP     this host's address the guest reaches: DHCP next-server, router, DNS, and
                     provision serve's address
  --guest-ip IP      the address the guest gets (a static lease for its MAC)
  --dhcp WHO         pxe-mock (default) | dnsmasq: started here on ports 67 and 69, answering only
                     the guest's MAC | site: your own DHCP/TFTP servers already answer MAC with
                     GUEST-IP and boot file pxelinux.0 from a TFTP root that this script fills
                     (give it with --tftp-root)
  --tftp-root DIR    with --dhcp site: the TFTP root your server serves (files are added under
                     pxelinux.cfg/ and jpb-check/, and removed at the end)
  --mac MAC          the guest's MAC (default 52:54:00:4a:50:01)
  --name NAME        the guest's name (default jpb-site-check)
  --type TYPE        qemu (TCG, default) or kvm
  --memory MIB       the guest's memory (default 1024; the installer needs about 700)
  --tree DIR         the Debian netboot tree (default /usr/lib/debian-installer/images/12/amd64/text)
  --port N           provision serve's port (default 8069)
  --timeout S        seconds from start to the ack (default 600)
  --keep DIR         keep every file (logs, configs, the console log) in DIR
  -h, --help         this text
EOF
}

die() { echo "real-install: $*" >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
connect="" bridge="" server_ip="" guest_ip="" dhcp=pxe-mock site_root="" mac=52:54:00:4a:50:01
name=jpb-site-check type=qemu memory=1024 tree=/usr/lib/debian-installer/images/12/amd64/text
port=8069 timeout=600 keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --connect) connect=${2:?}; shift 2 ;;
    --bridge) bridge=${2:?}; shift 2 ;;
    --server-ip) server_ip=${2:?}; shift 2 ;;
    --guest-ip) guest_ip=${2:?}; shift 2 ;;
    --dhcp) dhcp=${2:?}; shift 2 ;;
    --tftp-root) site_root=${2:?}; shift 2 ;;
    --mac) mac=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --type) type=${2:?}; shift 2 ;;
    --memory) memory=${2:?}; shift 2 ;;
    --tree) tree=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[ -n "$connect" ] && [ -n "$bridge" ] && [ -n "$server_ip" ] && [ -n "$guest_ip" ] \
  || { usage >&2; die "--connect, --bridge, --server-ip and --guest-ip are required"; }
ipv4='^([0-9]{1,3}\.){3}[0-9]{1,3}$'
[[ $server_ip =~ $ipv4 ]] || die "--server-ip '$server_ip' is not an IPv4 address"
[[ $guest_ip =~ $ipv4 ]] || die "--guest-ip '$guest_ip' is not an IPv4 address"
[[ $mac =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || die "--mac '$mac' is not a lowercase MAC like 52:54:00:4a:50:01"
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]*$ ]] || die "--name '$name' is not a domain name"
[[ $port =~ ^[0-9]+$ ]] && [[ $timeout =~ ^[0-9]+$ ]] && [[ $memory =~ ^[0-9]+$ ]] || die "--port, --timeout and --memory are numbers"
case "$type" in qemu|kvm) ;; *) die "--type is qemu or kvm, not '$type'" ;; esac
case "$dhcp" in
  pxe-mock|dnsmasq) [ -z "$site_root" ] || die "--tftp-root is for --dhcp site" ;;
  site) [ -d "$site_root" ] || die "--dhcp site needs --tftp-root DIR, the folder your TFTP server serves" ;;
  *) die "--dhcp is pxe-mock, dnsmasq or site, not '$dhcp'" ;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root: DHCP and TFTP listen on ports 67 and 69, and qemu:///system is root's"
for t in virsh ip awk; do command -v "$t" >/dev/null || die "$t is missing (Debian: libvirt-clients, iproute2, gawk or mawk)"; done
[ "$dhcp" != dnsmasq ] || command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || die "dnsmasq is missing (Debian: dnsmasq-base)"
for f in pxelinux.0 ldlinux.c32 debian-installer/amd64/linux debian-installer/amd64/initrd.gz; do
  [ -e "$tree/$f" ] || die "$tree/$f is missing (Debian: debian-installer-12-netboot-amd64, or give --tree)"
done
for b in provision pxe-mock; do
  [ -x "$here/bin/$b" ] || die "$here/bin/$b is missing"
done
ip -o -4 addr show | awk '{print $4}' | grep -q "^$server_ip/" \
  || die "$server_ip is not an address of this host (in this network namespace): the guest must reach it here"
iface=$(ip -o -4 addr show | awk -v ip="$server_ip" 'index($4, ip "/") == 1 {print $2; exit}')

entry=pxelinux.cfg/01-${mac//:/-}
if [ -n "$site_root" ]; then
  # the site's own files are never replaced, and only what this check adds is removed after it
  [ ! -e "$site_root/jpb-check" ] || die "$site_root/jpb-check already exists: remove it or choose another --tftp-root"
  [ ! -e "$site_root/$entry" ] || die "$site_root/$entry already exists: the site has an entry for $mac; choose another --mac"
fi
virsh -c "$connect" domuuid "$name" >/dev/null 2>&1 \
  && die "a domain named $name already exists on $connect: the check never touches an existing guest; choose another --name"
if [ -n "$keep" ]; then
  # root writes logs and configs there: a new folder, never one someone else prepared (a planted
  # symlink would have root write through it)
  [ ! -e "$keep" ] && [ ! -L "$keep" ] || die "--keep $keep already exists: give a new folder"
  mkdir -p -- "$(dirname -- "$keep")" && mkdir -m 0700 -- "$keep" || die "cannot make --keep $keep"
  work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d /tmp/real-install.XXXXXX)
fi
out=$work/out logs=$work/logs
tftp=${site_root:-$work/tftp}
if [ "$dhcp" = dnsmasq ]; then
  # dnsmasq serves as nobody (below), who must reach the TFTP files wherever the work folder is: a
  # folder of their own in /tmp, readable by all (the files are public: any client on the link may
  # ask for them), removed at the end; its path is in logs/tftp-root.
  tftp=$(mktemp -d /tmp/real-install-tftp.XXXXXX) && chmod 0755 "$tftp" || die "cannot make a TFTP folder in /tmp"
fi
mkdir -p "$out/logs" "$logs" "$tftp/pxelinux.cfg" "$tftp/jpb-check"
printf '%s\n' "$tftp" > "$logs/tftp-root"
added=()
pids=() failed=1 applied=0
yaml=$work/check.yaml
prov=("$here/bin/provision")
host=(--connect "$connect" --out "$out" --tftp-root "$tftp")

stamp() { while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done; }
# The console without carriage returns and terminal escapes: the BIOS's serial adapter draws the
# screen one positioned character at a time.
plain() { tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }
now() { date +%s.%N; }

cleanup() {
  set +e
  if [ "$applied" = 1 ]; then
    "${prov[@]}" destroy "$yaml" "$name" "${host[@]}" --force-stop --delete-disks > "$logs/destroy.log" 2>&1 \
      || echo "real-install: could not remove the guest: see $logs/destroy.log" >&2
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "$site_root" ]; then
    rm -rf "$site_root/jpb-check" "$site_root/$entry"
    for f in "${added[@]}"; do rm -f "$site_root/$f"; done
  fi
  case "$tftp" in /tmp/real-install-tftp.*) rm -rf "$tftp" ;; esac
  if [ "$failed" = 0 ] && [ -z "$keep" ]; then
    rm -rf "$work"
  elif [ "$failed" != 0 ]; then
    echo "real-install: FAILED; everything is kept in $work (logs/, out/logs/$name.console)" >&2
    if [ -f "$out/logs/$name.console" ]; then
      echo "--- the console's last lines ---" >&2
      plain < "$out/logs/$name.console" | grep -v '^[[:space:]]*$' | tail -n 25 >&2
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The TFTP root: pxelinux and the installer from the netboot tree (copies: a TFTP server may
# refuse links that leave its root), the guest's pxelinux entry from `provision apply`.
for f in pxelinux.0 ldlinux.c32; do   # a site's own are kept (and used)
  if [ ! -e "$tftp/$f" ]; then cp -L "$tree/$f" "$tftp/$f"; [ -z "$site_root" ] || added+=("$f"); fi
done
cp -L "$tree/debian-installer/amd64/linux" "$tree/debian-installer/amd64/initrd.gz" "$tftp/jpb-check/"

cat > "$yaml" <<EOF
# written by tests/real-install.sh
server: http://$server_ip:$port
domains:
  $name:
    hypervisor: $type
    install_boot: network
    memory: $memory
    kickstart: debian-netboot-check.cfg
    install_kernel: jpb-check/linux
    install_initrd: jpb-check/initrd.gz
    install_options: console=ttyS0
    console_log: logs/$name.console
    vif: [ "mac=$mac, bridge=$bridge, ip=$guest_ip" ]
    disk:
      - { type: file, path: disks/$name.img, size: 1GiB }
EOF
"${prov[@]}" validate "$yaml" > "$logs/validate.log" 2>&1 || { cat "$logs/validate.log" >&2; die "the check's YAML is refused"; }

# DHCP and TFTP
case "$dhcp" in
  pxe-mock)
    "$here/bin/pxe-mock" serve --root "$tftp" --bind 0.0.0.0 --tftp-port 69 --dhcp-port 67 \
      --lease "$mac=$guest_ip" --boot-file pxelinux.0 --next-server "$server_ip" \
      --router "$server_ip" --dns "$server_ip" > >(stamp > "$logs/dhcp-tftp.log") 2>&1 &
    pids+=($!) ;;
  dnsmasq)
    # dnsmasq answers the network as nobody, not root: it opens its ports and lease file as root,
    # then drops to nobody, who reads the TFTP folder made for it above.
    "$(command -v dnsmasq || echo /usr/sbin/dnsmasq)" --keep-in-foreground --log-facility=- --conf-file=/dev/null \
      --port=0 --interface="$iface" --bind-interfaces --dhcp-range="$guest_ip,static" \
      --dhcp-host="$mac,$guest_ip" --dhcp-ignore='tag:!known' --dhcp-boot=pxelinux.0 \
      --dhcp-option=3,"$server_ip" --dhcp-option=6,"$server_ip" --dhcp-leasefile="$work/dnsmasq.leases" \
      --enable-tftp --tftp-root="$tftp" --pid-file= --user=nobody --group=nogroup > >(stamp > "$logs/dhcp-tftp.log") 2>&1 &
    pids+=($!) ;;
  site) : > "$logs/dhcp-tftp.log" ;;
esac

# provision serve: the preseed and the ack
"${prov[@]}" serve "$yaml" "${host[@]}" --bind "$server_ip" --port "$port" > >(stamp > "$logs/serve.log") 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  grep -q "serving .* kickstart" "$logs/serve.log" 2>/dev/null && break
  grep -q "provision: " "$logs/serve.log" 2>/dev/null && { cat "$logs/serve.log" >&2; die "provision serve did not start"; }
  sleep 0.1
done
grep -q "serving .* kickstart" "$logs/serve.log" || { cat "$logs/serve.log" >&2; die "provision serve did not start within 60 s"; }
if [ "$dhcp" != site ]; then
  for _ in $(seq 1 600); do
    grep -qE "pxe-mock listening|started, version|TFTP root" "$logs/dhcp-tftp.log" 2>/dev/null && break
    sleep 0.1
  done
fi

# Power on: apply defines the domain (network first) and starts it.
applied=1
t0=$(now)
"${prov[@]}" apply "$yaml" "${host[@]}" > "$logs/apply.log" 2>&1 || { cat "$logs/apply.log" >&2; die "provision apply failed"; }
t_started=$(now)
console=$out/logs/$name.console
installed=$out/state/$name.installed

# Watch: the console for the installer kernel, the state for the ack, libvirt for the power-off.
t_kernel="" t_ack="" t_off=""
deadline=$(( $(date +%s) + timeout ))
while :; do
  [ -n "$t_kernel" ] || { [ -f "$console" ] && grep -q "Linux version" "$console" && t_kernel=$(now); } || true
  [ -n "$t_ack" ] || { [ -e "$installed" ] && t_ack=$(now); } || true
  state=$(virsh -c "$connect" domstate "$name" 2>/dev/null || echo "?")
  if [ "$state" = "shut off" ]; then t_off=$(now); break; fi
  [ "$(date +%s)" -lt "$deadline" ] || die "no ack and power-off within $timeout s (the domain is $state)"
  sleep 0.2
done
[ -n "$t_ack" ] || { [ -e "$installed" ] && t_ack=$t_off; } || die "the guest powered off without an ack: see $console and $logs/serve.log"
# Who the DHCP/TFTP server ran as, answering the guest (the first process started).
[ "$dhcp" = site ] || ps -o user= -p "${pids[0]}" > "$logs/dhcp-tftp.user" || true

# The ack switched the guest to its disk, without another apply.
pxe=$tftp/$entry
cp "$pxe" "$logs/pxelinux-after-ack"   # kept: the cleanup's provision destroy removes the entry
cp "$installed" "$logs/installed-after-ack"
grep -q "^# state: localboot" "$pxe" || die "the pxelinux entry $pxe is not localboot after the ack"
virsh -c "$connect" dumpxml --inactive "$name" > "$logs/domain-after-ack.xml"
grep -q "<boot dev='hd'/>" "$logs/domain-after-ack.xml" && ! grep -q "<boot dev='network'/>" "$logs/domain-after-ack.xml" \
  || die "the domain's definition does not boot its disk after the ack: $logs/domain-after-ack.xml"

# Second start: the disk boots; nothing asks DHCP, TFTP or the preseed again.
mark=$(wc -c < "$console")
dhcp_mark=$(wc -l < "$logs/dhcp-tftp.log")
serve_mark=$(wc -l < "$logs/serve.log")
virsh -c "$connect" start "$name" > "$logs/second-start.log" 2>&1 || { cat "$logs/second-start.log" >&2; die "virsh start failed"; }
for _ in $(seq 1 600); do
  tail -c +"$((mark + 1))" "$console" | plain | grep -qE "Boot failed|No bootable device|Booting from Hard Disk" && break
  sleep 0.2
done
sleep 3 # what the guest does right after the disk boot, for the checks below
virsh -c "$connect" destroy "$name" >> "$logs/second-start.log" 2>&1 || true
second=$(tail -c +"$((mark + 1))" "$console" | plain)
printf '%s\n' "$second" > "$logs/second-boot.console"
grep -q "Booting from Hard Disk" <<< "$second" || die "the second start did not boot the disk: $logs/second-boot.console"
! grep -qE "Booting from ROM|Linux version" <<< "$second" || die "the second start reached the network boot or a kernel: $logs/second-boot.console"
[ "$(tail -n +"$((dhcp_mark + 1))" "$logs/dhcp-tftp.log" | grep -ciE "$mac|$guest_ip")" = 0 ] \
  || die "DHCP or TFTP heard from the guest again after the ack: $logs/dhcp-tftp.log"
[ "$(tail -n +"$((serve_mark + 1))" "$logs/serve.log" | grep -c "/ks/$name.ks")" = 0 ] || die "the preseed was fetched again"
[ "$(grep -c "GET /ks/$name.ks 200" "$logs/serve.log")" = 1 ] || die "the preseed was not fetched exactly once: $logs/serve.log"

# The stages, in seconds from the start (provision apply's return: the domain is running).
first() { # first stamp of a line matching $2 in file $1
  awk -v re="$2" '$0 ~ re {print $1; exit}' "$1"
}
case "$dhcp" in
  pxe-mock)
    offer=$(first "$logs/dhcp-tftp.log" "DISCOVER from $mac.*OFFER")
    t_pxe=$(first "$logs/dhcp-tftp.log" "RRQ pxelinux.0 .*completed")
    t_cfg=$(first "$logs/dhcp-tftp.log" "RRQ pxelinux.cfg/01-${mac//:/-} .*completed")
    t_lin=$(first "$logs/dhcp-tftp.log" "RRQ jpb-check/linux .*completed")
    t_ird=$(first "$logs/dhcp-tftp.log" "RRQ jpb-check/initrd.gz .*completed") ;;
  dnsmasq)
    offer=$(first "$logs/dhcp-tftp.log" "DHCPOFFER.* $mac")
    t_pxe=$(first "$logs/dhcp-tftp.log" "sent .*/pxelinux.0 to")
    t_cfg=$(first "$logs/dhcp-tftp.log" "sent .*/pxelinux.cfg/01-${mac//:/-} to")
    t_lin=$(first "$logs/dhcp-tftp.log" "sent .*/jpb-check/linux to")
    t_ird=$(first "$logs/dhcp-tftp.log" "sent .*/jpb-check/initrd.gz to") ;;
  site) offer="" t_pxe="" t_cfg="" t_lin="" t_ird="" ;;
esac
t_ks=$(first "$logs/serve.log" "GET /ks/$name.ks 200")
t_ackd=$(first "$logs/serve.log" "POST /ack/$name 200")
{
  printf '%-34s %8s\n' "stage ($dhcp)" "seconds"
  for row in "domain started (apply returned):$t_started" "DHCP offer:$offer" "pxelinux.0 sent:$t_pxe" \
      "pxelinux entry sent:$t_cfg" "kernel sent:$t_lin" "initrd sent:$t_ird" "installer kernel on console:$t_kernel" \
      "preseed fetched:$t_ks" "ack taken:${t_ackd:-$t_ack}" "powered off (seen):$t_off"; do
    label=${row%%:*} at=${row#*:}
    if [ -n "$at" ]; then printf '%-34s %8.1f\n' "$label" "$(awk -v a="$at" -v b="$t0" 'BEGIN {print a - b}')"
    else printf '%-34s %8s\n' "$label" "-"; fi
  done
} | tee "$work/stages.txt"
echo "real-install: OK: $name network-booted through $dhcp, fetched its preseed once, acked, and then booted its disk"
failed=0
