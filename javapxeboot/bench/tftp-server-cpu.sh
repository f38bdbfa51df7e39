#!/bin/bash
# What bounds a TFTP download from atftpd on a clean link: for each of RUNS alternating runs, our
# client (bin/javapxeboot fetch, defaults) and atftp (blksize 1468, windowsize 16) fetch FILE from
# atftpd over a veth pair between two network namespaces (MTU 1500), and the script records each
# run's wall time and the CPU time atftpd spent serving it (utime+stime from /proc, 10 ms ticks),
# plus the client's JVM start-up alone (bin/javapxeboot --version). When atftpd's CPU time is about
# the transfer's wall time, the server's packets per second per core is the bound: no client can
# fetch faster than atftpd can send. Also our client with --blksize 8192 (fragmented: fewer, bigger
# datagrams for the server to send). Root; removes its namespaces on exit.
#   javapxeboot/bench/tftp-server-cpu.sh [RUNS] [FILE]   (default 7, the Debian 12 netboot initrd.gz)
set -euo pipefail
runs=${1:-7}
file=${2:-/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz}
[ "$(id -u)" = 0 ] || { echo "tftp-server-cpu: needs root" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
ns_srv=tftpcpu-srv-$$ ns_cli=tftpcpu-cli-$$
net=10.252.$(( $$ % 200 + 20 ))
work=$(mktemp -d /tmp/tftp-cpu.XXXXXX)
out=$work/out
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$ns_srv" 2>/dev/null || true
  ip netns del "$ns_cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns_srv"; ip netns add "$ns_cli"
ip link add tc-cli-$$ type veth peer name tc-srv-$$
ip link set tc-cli-$$ netns "$ns_cli"; ip link set tc-srv-$$ netns "$ns_srv"
ip -n "$ns_cli" addr add "$net.1/24" dev tc-cli-$$; ip -n "$ns_srv" addr add "$net.2/24" dev tc-srv-$$
for n in "$ns_cli" "$ns_srv"; do ip -n "$n" link set lo up; done
ip -n "$ns_cli" link set tc-cli-$$ up; ip -n "$ns_srv" link set tc-srv-$$ up
mkdir -p "$work/root"; cp "$file" "$work/root/f"; chmod -R a+rX "$work/root"
size=$(stat -c %s "$work/root/f")
ip netns exec "$ns_srv" /usr/sbin/atftpd --daemon --no-fork --logfile /dev/null --user root.root \
  --bind-address "$net.2" --port 69 "$work/root" & pid=$!
sleep 1
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; } # clock ticks (USER_HZ = 100)
one() { # LABEL CMD: prints "LABEL wall_s atftpd_cpu_s"
  local label=$1 cmd=$2 c0 c1
  rm -f "$out"
  c0=$(cpu)
  ip netns exec "$ns_cli" /usr/bin/time -o "$work/t" -f "%e" sh -c "$cmd >/dev/null 2>&1"
  c1=$(cpu)
  [ "$(stat -c %s "$out" 2>/dev/null || echo 0)" = "$size" ] || { echo "$label fail"; return; }
  echo "$label $(cat "$work/t") $(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", (b-a)/100}')"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $size bytes, $(( (size + 1467) / 1468 )) blocks of 1468"
for r in $(seq "$runs"); do
  one ours "$root/bin/javapxeboot fetch -q tftp://$net.2:69/f -o $out"
  # the same client asking for 8 KiB blocks: IP-fragmented on this 1500-MTU link (see section 2),
  # so atftpd makes one system call per 8 KiB instead of per 1468 bytes
  one ours-8k "$root/bin/javapxeboot fetch -q --blksize 8192 tftp://$net.2:69/f -o $out"
  one atftp "atftp --option 'blksize 1468' --option 'windowsize 16' -g -r f -l $out $net.2 69"
  /usr/bin/time -o "$work/t" -f "%e" "$root/bin/javapxeboot" --version >/dev/null
  echo "jvm-start $(cat "$work/t") 0"
done | tee "$work/all"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %8s %8s %8s  %s\n' what min_s median_s max_s "atftpd CPU s (median)"
med() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
for w in ours ours-8k atftp jvm-start; do
  lines=$(grep "^$w " "$work/all" | grep -v fail || true)
  [ -n "$lines" ] || { echo "$w: every run failed"; continue; }
  t=$(awk '{print $2}' <<<"$lines" | sort -n)
  printf '%-10s %8.2f %8s %8.2f  %s\n' "$w" "$(head -1 <<<"$t")" "$(med <<<"$t")" "$(tail -1 <<<"$t")" \
    "$(awk '{print $3}' <<<"$lines" | med)"
done
