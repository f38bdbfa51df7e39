#!/bin/sh
# Builds the optional UDP offload library (udpoffload.c) into OUTDIR/libjavapxeboot.so; run by
# `mvn compile` (javapxeboot/pom.xml) as: sh build.sh OUTDIR JAVA_HOME [RESDIR].
# RESDIR gets a copy that goes into the jar (UdpOffload loads it when no OUTDIR sits beside the jar).
# Without a C compiler, or when the compile fails (no libc headers), the build goes on without it:
# the TFTP engine then sends and receives one datagram per system call. Set CC to pick a compiler.
set -u
out=$1 jh=$2 res=${3:-}
src=$(dirname "$0")/udpoffload.c
cc=${CC:-cc}
lib=$out/libjavapxeboot.so
if ! command -v "${cc%% *}" >/dev/null 2>&1; then
  rm -f "$lib"
  [ -n "$res" ] && rm -f "$res/libjavapxeboot.so"
  echo "[WARNING] javapxeboot: no C compiler ($cc) on PATH: building without UDP offload (install gcc and libc6-dev)"
  exit 0
fi
mkdir -p "$out"
tmp=$out/.libjavapxeboot.so.$$
# $cc is word-split on purpose: CC="gcc -m64" is a compiler with flags.
# shellcheck disable=SC2086
if $cc -O2 -Wall -Wextra -shared -fPIC -I"$jh/include" -I"$jh/include/linux" -o "$tmp" "$src" 2>"$out/cc.log"; then
  mv -f "$tmp" "$lib"
  if [ -n "$res" ]; then mkdir -p "$res" && cp -f "$lib" "$res/libjavapxeboot.so"; fi
else
  rm -f "$tmp" "$lib"
  [ -n "$res" ] && rm -f "$res/libjavapxeboot.so"
  echo "[WARNING] javapxeboot: $cc could not build $src: building without UDP offload ($out/cc.log):"
  head -n 20 "$out/cc.log" | sed "s/^/  /"
fi
exit 0
