#!/bin/bash
# Scale benchmark: provisioner plan/apply of N guests on libvirt's test driver, next to the
# equivalent `virsh define` + `start` loop (one virsh session reading commands from a file, since
# test:///default keeps its state per process). Needs the packaged jar:
#   mvn -q -o -pl provisioner -am -DskipTests package && provisioner/bench/scale.sh [N...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=$root/provisioner/target
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100 1000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== provisioner (in one JVM; times exclude JVM start) =="
java -Xmx512m -cp "$target/provisioner.jar:$target/lib/*" org.javapxeboot.provisioner.bench.ScaleBench \
  "$work" "$root/kickstart-templates" "${counts[@]}"
echo
echo "== provisioner CLI: bin/provision apply, whole process (JVM start included), peak RSS =="
for n in "${counts[@]}"; do
  # progress lines go to stderr; keep them out of the figures
  /usr/bin/time -o "$work/t" -f "$n guests: apply %e s, peak RSS %M KiB" "$root/bin/provision" apply \
    "$work/n$n/cluster.yaml" --out "$work/cli$n" >/dev/null 2>"$work/progress"
  cat "$work/t"
  /usr/bin/time -o "$work/t" -f "$n guests: apply again (no-op) %e s, peak RSS %M KiB" "$root/bin/provision" apply \
    "$work/n$n/cluster.yaml" --out "$work/cli$n" >/dev/null 2>"$work/progress"
  cat "$work/t"
done
echo
echo "== virsh -c test:///default: define + start loop in one session, same XML =="
for n in "${counts[@]}"; do
  /usr/bin/time -o "$work/t" -f "$n guests: virsh define+start %e s, peak RSS %M KiB" \
    virsh -q -c test:///default <"$work/n$n/virsh-commands" >/dev/null
  cat "$work/t"
done
