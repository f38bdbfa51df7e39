# Shared by lv-ensure, vg-ensure and lv-remove. Sourced, not run.
#
# Output contract: machine-readable "key=value" lines on stdout (the value runs to the end of the
# line; split at the first '='), LVM's own messages on stderr. Exit status: 0 done (including
# "unchanged" and "differs"), 2 bad arguments, 3 a precondition failed (no such VG, a PV in use),
# 4 an LVM command failed (the line "failed=COMMAND" names it).
#
# Activation: this needs device-mapper. Where the kernel has none (containers, CI), LVM can still
# write metadata with --driverloaded n, -an (no activation) and -Zn -Wn (no zeroing/wiping, which
# would need the device node). LVM_ACTIVATION=on|off forces a mode; auto (the default) picks
# "off" when the kernel lists no device-mapper in /proc/misc (a /dev/mapper/control node alone proves
# nothing: LVM creates it even when the driver is missing, then fails with "No such device"). The mode is reported as "activation=on|off".

set -euo pipefail
export LVM_SUPPRESS_FD_WARNINGS=1
# fd 3 is the real stdout, so that failures inside $(...) captures still reach the caller
exec 3>&1
LVM=${LVM:-lvm}

NAME_RE='^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$'

die_usage() { echo "status=error"; echo "error=$*"; exit 2; }
die_pre() { echo "status=error"; echo "error=$*"; exit 3; }

case "${LVM_ACTIVATION:-auto}" in
  on) ACTIVATION=on ;;
  off) ACTIVATION=off ;;
  auto) if grep -qw device-mapper /proc/misc 2>/dev/null; then ACTIVATION=on; else ACTIVATION=off; fi ;;
  *) die_usage "LVM_ACTIVATION must be on, off or auto" ;;
esac
if [ "$ACTIVATION" = off ]; then
  NODM=(--driverloaded n)
  CREATE_FLAGS=(-an -Zn -Wn)
else
  NODM=()
  CREATE_FLAGS=(-ay -Wy --yes)
fi

# lvm CMD ARGS...: runs LVM, and on failure reports which command failed and exits 4.
lvm_run() {
  local cmd=$1
  shift
  if ! "$LVM" "$cmd" "${NODM[@]}" "$@" >&2; then
    echo "status=error" >&3
    echo "failed=$cmd" >&3
    exit 4
  fi
}

# lvm_query CMD ARGS...: like lvm_run but prints LVM's stdout (trimmed) for capture.
lvm_query() {
  local cmd=$1 out
  shift
  if ! out=$("$LVM" "$cmd" "${NODM[@]}" "$@"); then
    echo "status=error" >&3
    echo "failed=$cmd" >&3
    exit 4
  fi
  printf '%s\n' "$out" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'
}

check_name() { # what name
  [[ $2 =~ $NAME_RE ]] && [ "$2" != . ] && [ "$2" != .. ] || die_usage "LVM refuses $1 name '$2'"
}

# Callers: `if vg_exists VG` ... ; exits 4 itself when LVM fails (not "does not exist").
vg_exists() { # vg
  local names
  names=$(lvm_query vgs --noheadings -o vg_name) || exit 4
  printf '%s\n' "$names" | grep -qxF -- "$1"
}

lv_exists() { # vg lv
  local names
  names=$(lvm_query lvs --noheadings -o lv_name "$1") || exit 4
  printf '%s\n' "$names" | grep -qxF -- "$2"
}
