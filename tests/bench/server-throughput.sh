#!/bin/sh
# Throughput of TFTP servers on loopback, fetched by the real peer clients: pxe-mock vs atftpd vs
# dnsmasq, 64 MiB random file, median of N runs. Not a test: numbers depend on the machine.
#   tests/bench/server-throughput.sh [RUNS]      (needs: mvn -DskipTests package; atftp, curl, busybox;
#                                                 atftpd and dnsmasq are optional)
set -eu
runs=${1:-5}
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$(dirname "$here")")
work=$(mktemp -d)
trap 'kill $pids 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
pids=""
mkdir "$work/root"
# atftpd and dnsmasq drop privileges to nobody: the files must be world-readable.
chmod 755 "$work" "$work/root"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/root/big"
chmod 644 "$work/root/big"
size=$(stat -c %s "$work/root/big")

"$top/bin/pxe-mock" --root "$work/root" -q > "$work/mock.out" 2>"$work/mock.err" &
pids="$pids $!"
for _ in $(seq 50); do grep -q listening "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
mock_port=$(sed -n 's/.*tftp=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/mock.out")
servers="pxe-mock:$mock_port"
if command -v atftpd >/dev/null; then
  atftpd --daemon --no-fork --port 6970 --bind-address 127.0.0.1 --logfile /dev/null "$work/root" & pids="$pids $!"
  servers="$servers atftpd:6970"
fi
if command -v dnsmasq >/dev/null; then
  if dnsmasq --keep-in-foreground --port=0 --enable-tftp --tftp-root="$work/root" --listen-address=127.0.0.1 \
      --bind-interfaces --pid-file="$work/dnsmasq.pid" --log-facility=/dev/null --conf-file=/dev/null \
      > "$work/dnsmasq.err" 2>&1 & then
    pids="$pids $!"
    sleep 0.5
    if kill -0 $! 2>/dev/null; then servers="$servers dnsmasq:69"; else echo "dnsmasq did not start: $(cat "$work/dnsmasq.err")" >&2; fi
  fi
fi
sleep 0.5

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

clients='atftp-w16|atftp --get -r big -l OUT --option "blksize 1468" --option "windowsize 16" 127.0.0.1 PORT
curl-b1468|curl -s -o OUT --tftp-blksize 1468 tftp://127.0.0.1:PORT/big
busybox-b1468|busybox tftp -g -r big -l OUT -b 1468 127.0.0.1 PORT
tftp-hpa|tftp 127.0.0.1 PORT -m binary -c get big OUT'

printf '%-10s %-14s %10s %8s\n' server client MB/s seconds
for s in $servers; do
  name=${s%%:*} port=${s##*:}
  echo "$clients" | while IFS='|' read -r label cmd; do
    c=$(echo "$cmd" | sed "s#OUT#$work/out#; s#PORT#$port#")
    times=""
    for _ in $(seq "$runs"); do
      rm -f "$work/out"
      t0=$(date +%s.%N)
      if ! timeout 60 sh -c "$c" >/dev/null 2>&1 || ! cmp -s "$work/out" "$work/root/big"; then times="$times fail"; continue; fi
      t1=$(date +%s.%N)
      times="$times $(echo "$t1 - $t0" | bc)"
    done
    med=$(echo $times | tr ' ' '\n' | grep -v fail | median)
    if [ -z "$med" ]; then printf '%-10s %-14s %10s %8s\n' "$name" "$label" failed -; continue; fi
    printf '%-10s %-14s %10.1f %8.3f\n' "$name" "$label" "$(echo "$size / $med / 1000000" | bc -l)" "$med"
  done
done
