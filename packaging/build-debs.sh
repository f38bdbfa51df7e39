#!/bin/bash
# Builds the Debian packages javapxeboot, pxe-mock, xman and provisioner from the packaged modules
# (run by the tests module at `package`, after every jar exists): build-debs.sh VERSION OUTDIR [JAVA_HOME].
# Man pages come from the picocli definitions (picocli-codegen, then asciidoctor), the bootloader's from
# its --help (help2man); bash completion from picocli.AutoComplete. See docs/packages.md.
set -euo pipefail
version=$1 out=$2 jhome=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
java=java
[ -n "$jhome" ] && [ -x "$jhome/bin/java" ] && java=$jhome/bin/java
for tool in dpkg-deb asciidoctor help2man gzip; do
  command -v "$tool" >/dev/null || { echo "build-debs: $tool is missing (bash .ci/setup installs it; or build with -Ddeb.skip=true)" >&2; exit 1; }
done
debver=${version//-/\~}            # 0.1.0-SNAPSHOT sorts before 0.1.0
arch=$(dpkg --print-architecture)
maintainer=${DEB_MAINTAINER:-javapxeboot developers <javapxeboot@example.org>}
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$epoch
umask 022
rm -rf "$out"
mkdir -p "$out"
work=$out/work
gen=$out/generated
mkdir -p "$work" "$gen/adoc" "$gen/man" "$gen/completion"

codegen=$root/tests/target/codegen/picocli-codegen.jar
cp_all="$codegen:$root/xman/target/xman.jar:$root/provisioner/target/provisioner.jar:$root/tests/target/pxe-mock.jar"
for d in xman provisioner tests; do cp_all="$cp_all:$root/$d/target/lib/*"; done

# --- man pages (AsciiDoc from picocli-codegen, then roff) and bash completion ---
"$java" -cp "$cp_all" picocli.codegen.docgen.manpage.ManPageGenerator -d "$gen/adoc" \
  org.javapxeboot.xman.daemon.XmandMain org.javapxeboot.xman.client.RxmMain org.javapxeboot.xman.portal.PortalMain \
  org.javapxeboot.provisioner.cli.ProvisionCli
"$java" -cp "$cp_all" picocli.codegen.docgen.manpage.ManPageGenerator -d "$gen/adoc" \
  --factory=org.javapxeboot.mock.cli.PxeMockCli\$DocsFactory org.javapxeboot.mock.cli.PxeMockCli
# daemons are administrators' commands: section 8
for page in xmand xman-portal; do
  sed -i "s/^= $page(1)\$/= $page(8)/" "$gen/adoc/$page.adoc"
done
rm -f "$gen/adoc/pxe-mock-help.adoc"
asciidoctor --backend=manpage -a reproducible -a "revnumber=$version" -a "manmanual=javapxeboot" -a "mansource=javapxeboot $version" \
  --destination-dir="$gen/man" "$gen/adoc"/*.adoc
help2man --no-info --no-discard-stderr --section=1 --name="PXE bootloader for paravirtualised Xen guests" \
  --source="javapxeboot $version" --version-string="$version" --output="$gen/man/javapxeboot.1" "$root/bin/javapxeboot"
for c in xmand:org.javapxeboot.xman.daemon.XmandMain rxm:org.javapxeboot.xman.client.RxmMain \
         xman-portal:org.javapxeboot.xman.portal.PortalMain provision:org.javapxeboot.provisioner.cli.ProvisionCli \
         "pxe-mock:org.javapxeboot.mock.cli.PxeMockCli --factory=org.javapxeboot.mock.cli.PxeMockCli\$DocsFactory"; do
  name=${c%%:*}
  # shellcheck disable=SC2086
  "$java" -Dpicocli.autocomplete.systemExitOnError=true -cp "$cp_all" picocli.AutoComplete -f -n "$name" \
    -o "$gen/completion/$name" ${c#*:}
  sed -i "1{/^#!/d}" "$gen/completion/$name"
done

# --- helpers ---
pkgroot() { echo "$work/$1"; }
put() { # put MODE SRC DEST (DEST relative to the package root)
  install -D -m "$1" "$2" "$pkgroot_dir/$3"
}
man() { # man PAGE.SECTION
  local sec=${1##*.}
  install -D -m 0644 "$gen/man/$1" "$pkgroot_dir/usr/share/man/man$sec/$1"
  gzip -9n "$pkgroot_dir/usr/share/man/man$sec/$1"
}
jars() { # jars MAINJAR LIBDIR DEST
  put 0644 "$1" "$3/$(basename "$1")"
  for j in "$2"/*.jar; do put 0644 "$j" "$3/lib/$(basename "$j")"; done
}
doc() { # doc PACKAGE: copyright and changelog
  install -d "$pkgroot_dir/usr/share/doc/$1"
  cat > "$pkgroot_dir/usr/share/doc/$1/copyright" <<EOT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: javapxeboot
Comment: built from the javapxeboot repository (packaging/build-debs.sh); the jars
 in /usr/share/$1/lib are the upstream libraries named in their file names
 (README, "Dependencies, and why").

Files: *
Copyright: $(date -u +%Y -d "@$epoch") the javapxeboot developers
License: unspecified
 The source tree carries no license file yet.
EOT
  {
    printf '%s (%s) unstable; urgency=medium\n\n  * Built from the javapxeboot repository.\n\n' "$1" "$debver"
    printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$epoch")"
  } | gzip -9n > "$pkgroot_dir/usr/share/doc/$1/changelog.gz"
  chmod 0644 "$pkgroot_dir/usr/share/doc/$1/copyright" "$pkgroot_dir/usr/share/doc/$1/changelog.gz"
}
build() { # build PACKAGE ARCH
  local p=$1 a=$2 dir=$pkgroot_dir
  install -d -m 0755 "$dir/DEBIAN"
  for f in postinst prerm postrm; do [ -f "$here/$p/$f" ] && install -m 0755 "$here/$p/$f" "$dir/DEBIAN/$f"; done
  for f in conffiles triggers; do [ -f "$here/$p/$f" ] && install -m 0644 "$here/$p/$f" "$dir/DEBIAN/$f"; done
  local size
  size=$(du -sk --exclude=DEBIAN "$dir" | cut -f1)
  {
    head -n 1 "$here/$p/control"
    printf 'Version: %s\nArchitecture: %s\nMaintainer: %s\nInstalled-Size: %s\n' "$debver" "$a" "$maintainer" "$size"
    tail -n +2 "$here/$p/control"
  } > "$dir/DEBIAN/control"
  find "$dir" -path "$dir/DEBIAN" -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed "s|$dir/||" > "$dir/DEBIAN/md5sums"
  sed -i "s|  $dir/|  |" "$dir/DEBIAN/md5sums"
  find "$dir" -exec touch -h -d "@$epoch" {} +
  dpkg-deb --root-owner-group -Zxz --build "$dir" "$out/${p}_${debver}_${a}.deb" >/dev/null
}

# --- javapxeboot: the bootloader (its jar holds the JNI library for this architecture) ---
pkgroot_dir=$(pkgroot javapxeboot)
jars "$root/javapxeboot/target/javapxeboot.jar" "$root/javapxeboot/target/lib" usr/share/javapxeboot
put 0755 "$here/javapxeboot/javapxeboot" usr/bin/javapxeboot
put 0755 "$here/javapxeboot/build-cds" usr/share/javapxeboot/build-cds
man javapxeboot.1
doc javapxeboot
build javapxeboot "$arch"

# --- pxe-mock ---
pkgroot_dir=$(pkgroot pxe-mock)
jars "$root/tests/target/pxe-mock.jar" "$root/tests/target/lib" usr/share/pxe-mock
put 0755 "$here/pxe-mock/pxe-mock" usr/bin/pxe-mock
for page in "$gen/man"/pxe-mock*.1; do man "$(basename "$page")"; done
put 0644 "$gen/completion/pxe-mock" usr/share/bash-completion/completions/pxe-mock
doc pxe-mock
build pxe-mock "$arch"

# --- xman: xmand, rxm, xman-portal ---
pkgroot_dir=$(pkgroot xman)
jars "$root/xman/target/xman.jar" "$root/xman/target/lib" usr/share/xman
put 0755 "$here/xman/xmand" usr/sbin/xmand
put 0755 "$here/xman/xman-portal" usr/sbin/xman-portal
put 0755 "$here/xman/rxm" usr/bin/rxm
put 0644 "$here/xman/xmand.conf" etc/xman/xmand.conf
put 0644 "$here/xman/portal.conf" etc/xman/portal.conf
put 0644 "$here/xman/logrotate" etc/logrotate.d/xman
put 0644 "$here/xman/xmand.service" lib/systemd/system/xmand.service
put 0644 "$here/xman/xman-portal.service" lib/systemd/system/xman-portal.service
man xmand.8; man xman-portal.8; man rxm.1
for c in xmand rxm xman-portal; do put 0644 "$gen/completion/$c" "usr/share/bash-completion/completions/$c"; done
doc xman
build xman all

# --- provisioner: provision, its templates and LVM scripts ---
pkgroot_dir=$(pkgroot provisioner)
jars "$root/provisioner/target/provisioner.jar" "$root/provisioner/target/lib" usr/share/provisioner
for t in "$root"/kickstart-templates/*; do put 0644 "$t" "usr/share/provisioner/kickstart-templates/$(basename "$t")"; done
for s in "$root"/lvm-scripts/*; do
  mode=0644; [ -x "$s" ] && mode=0755
  put "$mode" "$s" "usr/share/provisioner/lvm-scripts/$(basename "$s")"
done
put 0755 "$here/provisioner/provision" usr/bin/provision
put 0755 "$here/provisioner/build-cds" usr/share/provisioner/build-cds
put 0644 "$here/provisioner/provision-serve.service" lib/systemd/system/provision-serve.service
for page in "$gen/man"/provision*.1; do man "$(basename "$page")"; done
put 0644 "$gen/completion/provision" usr/share/bash-completion/completions/provision
doc provisioner
build provisioner all

rm -rf "$work"
echo "build-debs: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
