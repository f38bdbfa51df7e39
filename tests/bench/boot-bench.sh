#!/bin/bash
# One whole guest boot (DHCP + pxelinux config + kernel + initrd) through real dnsmasq, side by
# side with the shell pipeline an admin would otherwise write (busybox udhcpc + busybox tftp -b
# 1468), in the same run; plus the bootloader's JVM start-up, which Xen pays on every guest boot.
#
# Needs root (network namespaces), the packages of .ci/setup, and `mvn -DskipTests package`.
# Usage: sudo tests/bench/boot-bench.sh [ROUNDS]   (median of ROUNDS, default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-5}
tree=/usr/lib/debian-installer/images/12/amd64/text
mac=aa:00:86:e2:35:72
s=jpbbench-s c=jpbbench-c
tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/dnsmasq.pid" ] && kill "$(cat "$tmp/dnsmasq.pid")" 2>/dev/null || true
  ip netns del $s 2>/dev/null || true
  ip netns del $c 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "boot-bench: needs root for network namespaces" >&2; exit 2; }
[ -f "$root/javapxeboot/target/javapxeboot.jar" ] || { echo "boot-bench: build first: mvn -DskipTests package" >&2; exit 2; }

ip netns del $s 2>/dev/null || true; ip netns del $c 2>/dev/null || true
ip netns add $s; ip netns add $c
ip link add jpbb-s type veth peer name jpbb-c
ip link set jpbb-s netns $s; ip link set jpbb-c netns $c
ip -n $s addr add 10.215.0.1/24 dev jpbb-s; ip -n $c addr add 10.215.0.2/24 dev jpbb-c
# busybox udhcpc sends the interface's own MAC: give the client interface the guest's MAC so both
# clients get the same static lease.
ip -n $c link set jpbb-c address $mac
for ns in $s $c; do ip -n $ns link set lo up; done
ip -n $s link set jpbb-s up; ip -n $c link set jpbb-c up
# --no-ping: dnsmasq otherwise pings a dynamic address for up to 3 s before offering it.
ip netns exec $s dnsmasq --conf-file=/dev/null --port=0 --interface=jpbb-s --bind-interfaces --no-ping \
  --dhcp-range=10.215.0.100,10.215.0.200,255.255.255.0,1h --dhcp-host=$mac,10.215.0.50 \
  --dhcp-boot=pxelinux.0 --enable-tftp --tftp-root=$tree \
  --dhcp-leasefile="$tmp/leases" --pid-file="$tmp/dnsmasq.pid" --log-facility="$tmp/dnsmasq.log"
sleep 0.5

cat > "$tmp/udhcpc.script" <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "$siaddr" > "$LEASE_OUT"
exit 0
S
chmod +x "$tmp/udhcpc.script"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours() {
  out=$(mktemp -d "$tmp/ours.XXXX")
  ip netns exec $c "$root/bin/javapxeboot" -q --output=- --output-format=simple --output-directory="$out" \
     --interface=jpbb-c --mac=$mac /dev/null > "$out/stanza"
  grep -q '^ramdisk ' "$out/stanza"
}
busybox_pipeline() {
  out=$(mktemp -d "$tmp/bb.XXXX")
  ip netns exec $c env LEASE_OUT="$out/lease" busybox udhcpc -i jpbb-c -n -q -f -s "$tmp/udhcpc.script" >/dev/null 2>&1
  srv=$(cat "$out/lease")
  for f in pxelinux.cfg/default debian-installer/amd64/boot-screens/menu.cfg debian-installer/amd64/boot-screens/txt.cfg \
           debian-installer/amd64/linux debian-installer/amd64/initrd.gz; do
    ip netns exec $c busybox tftp -g -b 1468 -r "$f" -l "$out/$(basename "$f")" "$srv" 2>/dev/null
  done
  cmp -s "$out/initrd.gz" "$tree/debian-installer/amd64/initrd.gz"
}
help_run() { "$root/bin/javapxeboot" --help >/dev/null; }
noop_run() { "$root/bin/javapxeboot" --version >/dev/null; }
help_nocds() { JAVAPXEBOOT_JAVA_OPTS=-Xshare:off "$root/bin/javapxeboot" --help >/dev/null; }

time_it() {  # name function -> prints median ms
  local fn=$1 i t0 t1
  for i in $(seq "$rounds"); do
    t0=$(now); $fn; t1=$(now)
    echo $(( (t1 - t0) / 1000000 ))
    rm -rf "$tmp"/ours.* "$tmp"/bb.*
  done | median
}

ours_ms=$(time_it ours)
bb_ms=$(time_it busybox_pipeline)
help_ms=$(time_it help_run)
noop_ms=$(time_it noop_run)
nocds_ms=$(time_it help_nocds)

echo "median of $rounds runs, $(date -u +%Y-%m-%d), $(nproc) cores, dnsmasq $(dnsmasq --version | head -1 | awk '{print $3}') over a veth pair"
printf '%-58s %8s %8s\n' "what" "ms" "ratio"
printf '%-58s %8d %8s\n' "javapxeboot: DHCP + config + linux + initrd.gz (40 MB)" "$ours_ms" "1.00"
printf '%-58s %8d %8.2f\n' "busybox udhcpc + busybox tftp -b 1468 (5 files)" "$bb_ms" "$(echo "$bb_ms $ours_ms" | awk '{print $1/$2}')"
printf '%-58s %8d\n' "javapxeboot --help (JVM start-up, AppCDS)" "$help_ms"
printf '%-58s %8d\n' "javapxeboot --version (no-op run, AppCDS)" "$noop_ms"
printf '%-58s %8d\n' "javapxeboot --help without the CDS archive (-Xshare:off)" "$nocds_ms"
