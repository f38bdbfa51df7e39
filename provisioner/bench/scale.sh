#!/bin/bash
# Scale benchmark: provisioner plan/apply of N guests on libvirt's test driver, next to the
# equivalent `virsh define` + `start` loop (one virsh session reading commands from a file, since
# test:///default keeps its state per process). Needs the packaged jar (and its AppCDS archive):
#   mvn -q -o -pl provisioner -am -DskipTests package && provisioner/bench/scale.sh [N...]
# RUNS=R (default 5) alternates, R times: a fresh `bin/provision apply` (a new output folder), a
# no-op re-apply of it right after (the outputs written less than a second before the stamp's clock
# are compared by content, and the stamp renewed with a new clock), a second one a second later
# (the outputs written in the apply's last second were still that close to the renewed clock: the
# same again), a third (settled: status only, the usual case of a re-apply), and the virsh session;
# then prints min/median/max of each, the ratio of the medians, and the load average before and
# after (the machine is shared: read the spread).
# INJVM=0 skips the in-JVM phase table.
# The floor line: FloorBench mirrors each fresh apply's output tree (same files, sizes, folders,
# batches, fsyncs, renames, sparse disks and node file; no YAML, rendering or libvirt) with the
# JVM options of bin/provision: what a fresh apply cannot go below.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=$root/provisioner/target
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100 1000)
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${INJVM:-1}" = 1 ]; then
  echo "== provisioner (in one JVM; times exclude JVM start) =="
else
  echo "== (in-JVM phases skipped; generating the YAML and virsh commands) =="
fi
java -Xmx512m -cp "$target/provisioner.jar:$target/lib/*" org.javapxeboot.provisioner.bench.ScaleBench \
  "$work" "$root/kickstart-templates" "${counts[@]}" | { [ "${INJVM:-1}" = 1 ] && cat || cat >/dev/null; }
echo
echo "== whole processes, $runs alternating runs: bin/provision apply (JVM start included), no-op"
echo "   re-applies right after it, a second later and settled, and virsh -c test:///default defining"
echo "   + starting the same XML in one session =="
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# the floor, run as bin/provision runs apply (its JVM options and AppCDS archive)
floorjava=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UseDynamicNumberOfCompilerThreads -XX:CICompilerCount=1 -XX:-UsePerfData)
[ -f "$target/provisioner.jsa" ] && floorjava+=(-XX:SharedArchiveFile="$target/provisioner.jsa" -Xshare:auto -Xlog:cds=off)
floorjava+=($(sed -n 's/^provision_heap="\(.*\)"$/\1/p' "$root/bin/provision") -cp "$target/provisioner.jar"
  org.javapxeboot.provisioner.bench.FloorBench)
# one line per run: seconds and peak RSS (KiB)
timed() { # FILE CMD... ; appends "seconds KiB" to FILE
  local f=$1; shift
  /usr/bin/time -o "$work/t" -f "%e %M" "$@" >/dev/null 2>"$work/progress"
  cat "$work/t" >>"$f"
}
for n in "${counts[@]}"; do
  for r in $(seq "$runs"); do
    timed "$work/apply$n" "$root/bin/provision" apply "$work/n$n/cluster.yaml" --out "$work/cli$n-$r"
    timed "$work/noop$n" "$root/bin/provision" apply "$work/n$n/cluster.yaml" --out "$work/cli$n-$r"
    sleep 1 # so that this one's renewed clock is a second past every output
    timed "$work/again$n" "$root/bin/provision" apply "$work/n$n/cluster.yaml" --out "$work/cli$n-$r"
    timed "$work/settled$n" "$root/bin/provision" apply "$work/n$n/cluster.yaml" --out "$work/cli$n-$r"
    timed "$work/floor$n" "${floorjava[@]}" "$work/cli$n-$r" "$work/floor$n-$r"
    timed "$work/virsh$n" sh -c "exec virsh -q -c test:///default <'$work/n$n/virsh-commands'"
    rm -rf "$work/cli$n-$r" "$work/floor$n-$r"
  done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s  %-26s %8s %8s %8s  %8s  %s\n' guests what min_s median_s max_s RSS_MiB vs_virsh
stats() { # FILE -> "min median max maxrss_MiB"
  sort -n "$1" | awk '{t[NR]=$1; if ($2>m) m=$2} END {printf "%.2f %.2f %.2f %.0f", t[1], t[int((NR+1)/2)], t[NR], m/1024}'
}
for n in "${counts[@]}"; do
  read -r _ vmed _ _ <<<"$(stats "$work/virsh$n")"
  for what in apply noop again settled floor virsh; do
    read -r mn med mx rss <<<"$(stats "$work/$what$n")"
    label=$what
    case $what in
      apply) label="bin/provision apply" ;;
      noop) label="no-op, right after" ;;
      again) label="no-op, a second later" ;;
      settled) label="no-op, settled" ;;
      floor) label="floor (files+disks only)" ;;
      virsh) label="virsh define+start" ;;
    esac
    printf '%6s  %-26s %8s %8s %8s  %8s  %s\n' "$n" "$label" "$mn" "$med" "$mx" "$rss" \
      "$(awk -v a="$med" -v b="$vmed" 'BEGIN {printf "%.2fx", a/b}')"
  done
done
