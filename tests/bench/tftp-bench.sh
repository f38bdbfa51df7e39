#!/bin/bash
# TFTP client benchmark (issue 3): our client against curl, atftp, busybox tftp and tftp-hpa, each
# fetching the Debian netboot initrd.gz (~40 MB) and a 64 MiB random file from atftpd and from dnsmasq.
#
# Runs as root. Builds two network namespaces joined by a veth pair (MTU 1500, like a LAN), servers in
# one, clients in the other, so no traffic leaves namespaces this script creates; removes them on exit.
# Delay and loss are emulated in userspace by LossyRelay (javapxeboot test classes; no tc netem here),
# running in the client namespace in front of the server.
#
#   tests/bench/tftp-bench.sh [--runs N] [--conditions direct,rtt1ms,loss1,rtt1ms+loss1] [--timeout S]
#                             [--clients "ours curl atftp busybox tftp-hpa"] [--files initrd.gz,random64m]
#                             [--servers atftpd,dnsmasq,pxe-mock]
# Clients "ours-8k" and "ours-64k" are our client with --blksize 8192 / 65464 (IP-fragmented on a
# 1500-MTU link: fast on a clean LAN, but a lost fragment loses the whole block).
# A run that fails or exceeds --timeout (default 120 s) counts as 999999 s in the median ("fail").
#
# Build first: mvn -o -q -pl javapxeboot -am test-compile (and `mvn -DskipTests package` for bin/).
# Output: one table (median wall time of N runs incl. JVM start, MB/s, ratio to our client, max RSS).
set -euo pipefail

runs=5
conditions=direct
per_run_timeout=120
clients="ours curl atftp busybox tftp-hpa"
files="initrd.gz random64m"
servers="atftpd dnsmasq pxe-mock"
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --conditions) conditions=$2; shift 2 ;;
    --timeout) per_run_timeout=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --files) files=${2//,/ }; shift 2 ;;
    --servers) servers=${2//,/ }; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "tftp-bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || { echo "tftp-bench: needs root (network namespaces, port 69)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
classes=$root/javapxeboot/target/classes
testclasses=$root/javapxeboot/target/test-classes
[ -d "$testclasses/org/javapxeboot/tftp" ] || { echo "tftp-bench: build first: mvn -o -q -pl javapxeboot -am test-compile" >&2; exit 2; }
initrd=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz
[ -f "$initrd" ] || { echo "tftp-bench: $initrd missing (package debian-installer-12-netboot-amd64)" >&2; exit 2; }

ns_srv=tftpbench-srv-$$ ns_cli=tftpbench-cli-$$
net=10.251.$(( $$ % 200 + 20 ))
srv_atftpd=$net.2 srv_dnsmasq=$net.3 srv_mock=$net.4 cli_ip=$net.1
work=$(mktemp -d /tmp/tftp-bench.XXXXXX)
outdir=/dev/shm; [ -d /dev/shm ] && [ -w /dev/shm ] || outdir=$work
out=$(mktemp "$outdir/tftp-bench-out.XXXXXX")
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns_srv" 2>/dev/null || true
  ip netns del "$ns_cli" 2>/dev/null || true
  rm -rf "$work" "$out"
}
trap cleanup EXIT

# --- namespaces and veth (the client end gets the route to the servers, MTU 1500) ---
ip netns add "$ns_srv"
ip netns add "$ns_cli"
ip link add tb-cli-$$ type veth peer name tb-srv-$$
ip link set tb-cli-$$ netns "$ns_cli"
ip link set tb-srv-$$ netns "$ns_srv"
ip -n "$ns_cli" addr add "$cli_ip/24" dev tb-cli-$$
ip -n "$ns_srv" addr add "$srv_atftpd/24" dev tb-srv-$$
ip -n "$ns_srv" addr add "$srv_dnsmasq/24" dev tb-srv-$$
ip -n "$ns_srv" addr add "$srv_mock/24" dev tb-srv-$$
for n in "$ns_cli" "$ns_srv"; do ip -n "$n" link set lo up; done
ip -n "$ns_cli" link set tb-cli-$$ up
ip -n "$ns_srv" link set tb-srv-$$ up

# --- files and servers ---
mkdir -p "$work/root"
cp "$initrd" "$work/root/initrd.gz"
head -c $((64 << 20)) /dev/urandom > "$work/root/random64m"
chmod -R a+rX "$work/root"
ip netns exec "$ns_srv" /usr/sbin/atftpd --daemon --no-fork --logfile /dev/null --user root.root \
  --bind-address "$srv_atftpd" --port 69 "$work/root" & pids+=($!)
ip netns exec "$ns_srv" /usr/sbin/dnsmasq --no-daemon --port=0 --enable-tftp --tftp-root="$work/root" \
  --listen-address="$srv_dnsmasq" --bind-interfaces --user=root --conf-file=/dev/null \
  --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log" & pids+=($!)
# Our mock server (tests/), packaged by `mvn -DskipTests package`.
if [[ " $servers " == *" pxe-mock "* ]]; then
  [ -f "$root/tests/target/pxe-mock.jar" ] || { echo "tftp-bench: build first: mvn -DskipTests package" >&2; exit 2; }
  ip netns exec "$ns_srv" "$root/bin/pxe-mock" serve --root "$work/root" --bind "$srv_mock" --tftp-port 69 --dhcp-port -1 \
    > "$work/mock.out" 2> "$work/mock.log" & pids+=($!)
  for _ in $(seq 100); do grep -q listening "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
fi
sleep 1

# Our client: the packaged launcher once the lead's Main dispatches `fetch`, else the classes with the
# launcher's JVM flags (C1 only, serial GC) so start-up and throughput match what Xen would run.
if [ -f "$root/javapxeboot/target/javapxeboot.jar" ] && "$root/bin/javapxeboot" fetch --help >/dev/null 2>&1; then
  ours=("$root/bin/javapxeboot" fetch)
else
  ours=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -cp "$classes" org.javapxeboot.cli.FetchCommand)
fi

# fetch CLIENT HOST PORT FILE: one download into $out, in the client namespace.
fetch_cmd() {
  local client=$1 host=$2 port=$3 file=$4
  case $client in
    ours) echo "${ours[*]} -q $ours_extra tftp://$host:$port/$file -o $out" ;;
    ours-8k) echo "${ours[*]} -q --blksize 8192 tftp://$host:$port/$file -o $out" ;;
    ours-64k) echo "${ours[*]} -q --blksize 65464 tftp://$host:$port/$file -o $out" ;;
    curl) echo "curl -s --tftp-blksize 1468 -o $out tftp://$host:$port/$file" ;;
    atftp) echo "atftp --option 'blksize 1468' --option 'windowsize 16' -g -r $file -l $out $host $port" ;;
    busybox) echo "busybox tftp -b 1468 -g -r $file -l $out $host $port" ;;
    tftp-hpa) echo "tftp -m binary $host $port -c get $file $out" ;;
  esac
}

# run_one CMD EXPECTED_SIZE -> "seconds maxrss_kb" or "fail"
run_one() {
  local cmd=$1 size=$2
  rm -f "$out" "$work/time.txt"
  ip netns exec "$ns_cli" timeout "$per_run_timeout" /usr/bin/time -o "$work/time.txt" -f "%e %M" \
    sh -c "$cmd >/dev/null 2>&1" || { echo fail; return; }
  if [ "$(stat -c %s "$out" 2>/dev/null || echo 0)" != "$size" ]; then echo fail; return; fi
  tail -1 "$work/time.txt"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print a[int((NR+1)/2)]}'; }

printf '%-8s %-10s %-12s %-9s %9s %9s %8s %8s\n' server file condition client "median_s" "MB/s" "vs_ours" "RSS_MB"
for cond in ${conditions//,/ }; do
  for server in $servers; do
    case $server in atftpd) ip=$srv_atftpd ;; dnsmasq) ip=$srv_dnsmasq ;; pxe-mock) ip=$srv_mock ;;
      *) echo "tftp-bench: unknown server $server" >&2; exit 2 ;; esac
    host=$ip port=69 relay_pid="" ours_extra=""
    if [ "$cond" != direct ]; then
      case $cond in rtt1ms) loss=0 delay=500 ;; loss1) loss=1 delay=0 ;; rtt1ms+loss1) loss=1 delay=500 ;;
        *) echo "tftp-bench: unknown condition $cond" >&2; exit 2 ;; esac
      ip netns exec "$ns_cli" java -cp "$classes:$testclasses" org.javapxeboot.tftp.RelayMain "$ip" 69 "$loss" "$delay" > "$work/relay.port" &
      relay_pid=$!; pids+=($relay_pid)
      for _ in $(seq 50); do [ -s "$work/relay.port" ] && break; sleep 0.1; done
      host=127.0.0.1 port=$(head -1 "$work/relay.port")
      # The relay listens on lo (MTU 64 KiB) but the path behind it is the veth (1500): automatic blksize
      # would see lo and pick 65464, fragmented on the veth. Tell our client the real path's blksize.
      ours_extra="--blksize 1468"
    fi
    for file in $files; do
      size=$(stat -c %s "$work/root/$file")
      ours_median=""
      for client in $clients; do
        times=() rss=()
        for _ in $(seq "$runs"); do
          r=$(run_one "$(fetch_cmd "$client" "$host" "$port" "$file")" "$size")
          [ "$r" = fail ] && { times+=(999999); continue; }
          times+=("${r% *}"); rss+=("${r#* }")
        done
        med=$(printf '%s\n' "${times[@]}" | median)
        maxrss=$(printf '%s\n' "${rss[@]:-0}" | sort -n | tail -1)
        [ "$client" = ours ] && ours_median=$med
        awk -v s="$server" -v f="$file" -v c="$cond" -v cl="$client" -v m="$med" -v size="$size" -v o="${ours_median:-$med}" -v r="$maxrss" \
          'BEGIN { if (m >= 999999) { printf "%-8s %-10s %-12s %-9s %9s %9s %8s %8.1f\n", s, f, c, cl, "fail", "-", "-", r/1024; exit }
                   printf "%-8s %-10s %-12s %-9s %9.2f %9.1f %8.2f %8.1f\n", s, f, c, cl, m, size/1e6/(m>0?m:1e-9), m/(o>0?o:1e-9), r/1024 }'
      done
    done
    if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; fi
  done
done
echo "vs_ours = client's median time / our client's median time (above 1: ours is faster)."
