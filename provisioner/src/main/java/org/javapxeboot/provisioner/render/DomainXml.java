package org.javapxeboot.provisioner.render;

import java.io.StringWriter;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Hypervisor;
import org.javapxeboot.provisioner.model.Vif;
import org.javapxeboot.xman.wire.DomainMetadata;

/**
 * libvirt domain XML (formatdomain.html), written through {@link XMLStreamWriter} so that every
 * value is escaped. Xen PV guests boot through the bootloader ({@code <bootloader>},
 * {@code <bootloader_args>}); KVM/QEMU guests boot the installer by direct kernel boot
 * ({@code <kernel>}, {@code <initrd>}, {@code <cmdline>}) or, with {@code install_boot: network},
 * by their firmware's PXE ({@code <boot dev='network'/>} then {@code hd}, SeaBIOS's serial adapter
 * on; with {@code firmware: uefi} OVMF's loader and the guest's NVRAM file, OVMF writing to the serial
 * port itself), both with {@code <on_reboot>destroy}, and once installed from their disk
 * ({@code <boot dev='hd'/>}, no kernel, the YAML's on_reboot).
 * A guest's {@code priority} and {@code owners} go to {@code <metadata>} (see {@link DomainMetadata}).
 * Characters XML 1.0 cannot carry at all (control characters other than tab/newline) are refused.
 */
public final class DomainXml {
    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();
    /** OVMF's code, from Debian's {@code ovmf} package. */
    public static final String OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    /** OVMF's variable store template, copied to each UEFI guest's NVRAM file. */
    public static final String OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

    private DomainXml() {
    }

    /**
     * @param installed for KVM/QEMU: the installer acknowledged, so boot the disk instead of the
     *                  installer kernel. Xen PV guests are unaffected (their pxelinux entry switches).
     */
    public static String render(Guest g, String server, boolean installed) throws RenderException {
        return render(g, server, installed, null);
    }

    /**
     * With {@code uuid}: for redefining an existing domain. libvirt refuses a definition without
     * the UUID while a domain of that name runs ("already exists with uuid ...").
     */
    public static String render(Guest g, String server, boolean installed, String uuid) throws RenderException {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = FACTORY.createXMLStreamWriter(out);
            Writer x = new Writer(w);
            String type = g.hypervisor() == Hypervisor.XEN ? "xen" : g.hypervisor().yamlName();
            w.writeStartElement("domain");
            x.attr("type", type);
            x.text(1, "name", g.name());
            if (uuid != null) {
                x.text(1, "uuid", uuid);
            }
            metadata(x, out, g);
            x.open(1, "memory");
            x.attr("unit", "MiB");
            x.chars(Integer.toString(g.memoryMiB()));
            w.writeEndElement();
            x.text(1, "vcpu", Integer.toString(g.vcpus()));
            if (g.hypervisor() == Hypervisor.XEN) {
                xenOs(x, g);
            } else {
                hvmOs(x, g, server, installed);
            }
            if (g.hypervisor() != Hypervisor.XEN) {
                // Without ACPI, qemu runs with -no-acpi: the guest's poweroff only halts its CPU (the
                // domain stays running) and libvirt's shutdown (the ACPI power button) is never heard.
                x.open(1, "features");
                x.empty(2, "acpi");
                x.empty(2, "apic");
                x.close(1);
            }
            x.text(1, "on_poweroff", g.onPoweroff());
            // The installer's instance never restarts itself: QEMU restarts a rebooting guest with the
            // live definition (the installer kernel), and the kickstart's clearpart would wipe the
            // fresh install. With destroy, the reboot stops the domain, and its next start uses the
            // persistent definition, which apply and the ack make the disk boot.
            x.text(1, "on_reboot", installerBoot(g, installed) ? "destroy" : g.onReboot());
            x.text(1, "on_crash", g.onCrash());
            x.open(1, "devices");
            boolean xen = g.hypervisor() == Hypervisor.XEN;
            for (Disk d : g.disks()) {
                disk(x, d, xen);
            }
            for (Vif v : g.vifs()) {
                // boot: http wants OVMF's own HTTP boot client: without the NIC's iPXE option ROM,
                // OVMF's network stack (PXE and HTTP boot) drives the NIC
                vif(x, v, xen, g.uefi() && Guest.HTTP.equals(g.boot()));
            }
            if (g.consoleLog() != null) {
                // the log rides on the serial port the console is: libvirt appends what it carries
                x.open(2, "serial");
                x.attr("type", "pty");
                x.empty(3, "log", "file", g.consoleLog(), "append", "on");
                x.close(2);
            }
            x.empty(2, "console", "type", "pty");
            x.close(1);
            x.nl(0);
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new RenderException("cannot write domain XML for " + g.name() + ": " + e.getMessage());
        }
        return out.toString();
    }

    /**
     * {@code <metadata>} with our {@code <xman:guest>} (DomainMetadata: the one writer of that
     * element, so xmand and the portal read back exactly what is written), only when the guest has
     * a priority or owners: a guest without either renders as before, byte for byte. The element
     * is copied in as text after flushing the stream writer; its values are an integer and
     * principals DomainMetadata has checked to contain no markup.
     */
    private static void metadata(Writer x, StringWriter out, Guest g) throws XMLStreamException {
        if (g.priority() == 0 && g.owners().isEmpty()) {
            return;
        }
        x.open(1, "metadata");
        x.w.writeCharacters("\n"); // closes the start tag
        x.w.flush();
        out.write(new DomainMetadata(g.priority(), g.owners()).element("    "));
        x.w.writeCharacters("  ");
        x.w.writeEndElement();
    }

    /** A KVM/QEMU guest not yet acknowledged: it boots the installer (by direct kernel boot or network). */
    public static boolean installerBoot(Guest g, boolean installed) {
        return g.hypervisor() != Hypervisor.XEN && !installed;
    }

    /**
     * Whether a KVM/QEMU domain's XML (as libvirt reports it, or as saved) boots the installer:
     * a direct kernel boot or a network boot. The disk boot has neither.
     */
    public static boolean bootsInstaller(String xml) {
        return xml.contains("<kernel>") || xml.contains("<boot dev='network'/>") || xml.contains("<boot dev=\"network\"/>");
    }

    private static void xenOs(Writer x, Guest g) throws XMLStreamException, RenderException {
        if (XenArgs.usesBootloader(g)) {
            x.text(1, "bootloader", g.bootloader());
            x.text(1, "bootloader_args", String.join(" ", XenArgs.bootloaderArgs(g)));
        }
        x.open(1, "os");
        x.open(2, "type");
        x.attr("arch", "x86_64");
        x.attr("machine", "xenpv");
        x.chars("linux");
        x.w.writeEndElement();
        if (!XenArgs.usesBootloader(g)) {
            x.text(2, "kernel", g.kernel());
            if (g.ramdisk() != null) {
                x.text(2, "initrd", g.ramdisk());
            }
        }
        if (g.extra() != null) {
            // with a bootloader, libxl hands this to it as --args=, appended to the pxelinux APPEND
            x.text(2, "cmdline", g.extra());
        }
        x.close(1);
    }

    private static void hvmOs(Writer x, Guest g, String server, boolean installed) throws XMLStreamException, RenderException {
        x.open(1, "os");
        x.open(2, "type");
        x.attr("arch", "x86_64");
        x.chars("hvm");
        x.w.writeEndElement();
        if (g.uefi()) {
            // explicit OVMF (Debian's ovmf, 4 MiB flash, no Secure Boot): the same firmware whatever
            // descriptors this libvirt has; the guest's variables live in its own NVRAM file, which
            // libvirt copies from the template only while the file is missing
            x.open(2, "loader");
            x.attr("readonly", "yes");
            x.attr("type", "pflash");
            x.chars(OVMF_CODE);
            x.w.writeEndElement();
            if (g.nvram() != null) {
                x.open(2, "nvram");
                x.attr("template", OVMF_VARS);
                x.chars(g.nvram());
                x.w.writeEndElement();
            } else {
                x.empty(2, "nvram", "template", OVMF_VARS);
            }
        }
        if (installed) {
            x.empty(2, "boot", "dev", "hd");
        } else if (g.networkInstall()) {
            x.empty(2, "boot", "dev", "network");
            x.empty(2, "boot", "dev", "hd");
        } else {
            x.text(2, "kernel", g.kernel());
            x.text(2, "initrd", g.ramdisk());
            List<String> args = new java.util.ArrayList<>(Install.kernelArgs(server, g));
            if (g.extra() != null) {
                args.add(g.extra());
            }
            x.text(2, "cmdline", String.join(" ", args));
        }
        if (g.networkInstall() && !g.uefi()) {
            // SeaBIOS, iPXE and pxelinux write to the screen only: sgabios copies it to the serial port
            x.empty(2, "bios", "useserial", "yes");
        }
        x.close(1);
    }

    private static void disk(Writer x, Disk d, boolean xen) throws XMLStreamException, RenderException {
        boolean file = d.type() == Disk.Type.FILE;
        x.open(2, "disk");
        x.attr("type", file ? "file" : "block");
        x.attr("device", "disk");
        if (xen) {
            x.empty(3, "driver", "name", file ? "file" : "phy");
        } else {
            x.empty(3, "driver", "name", "qemu", "type", "raw");
        }
        x.empty(3, "source", file ? "file" : "dev", d.path());
        x.empty(3, "target", "dev", d.device(), "bus", xen ? "xen" : "virtio");
        if (!d.writable()) {
            x.empty(3, "readonly");
        }
        x.close(2);
    }

    private static void vif(Writer x, Vif v, boolean xen, boolean noRom) throws XMLStreamException, RenderException {
        String bridge = v.bridge() != null ? v.bridge() : (xen ? "xenbr0" : null);
        x.open(2, "interface");
        x.attr("type", bridge != null ? "bridge" : "network");
        x.empty(3, "mac", "address", v.mac());
        if (bridge != null) {
            x.empty(3, "source", "bridge", bridge);
        } else {
            x.empty(3, "source", "network", "default");
        }
        if (!xen) {
            x.empty(3, "model", "type", "virtio");
        }
        if (noRom) {
            x.empty(3, "rom", "enabled", "no");
        }
        x.close(2);
    }

    /** Indentation and the XML 1.0 character check around the stream writer. */
    private static final class Writer {
        final XMLStreamWriter w;

        Writer(XMLStreamWriter w) {
            this.w = w;
        }

        void nl(int depth) throws XMLStreamException {
            w.writeCharacters("\n" + "  ".repeat(depth));
        }

        void empty(int depth, String name, String... attrs) throws XMLStreamException, RenderException {
            nl(depth);
            w.writeEmptyElement(name);
            for (int i = 0; i < attrs.length; i += 2) {
                attr(attrs[i], attrs[i + 1]);
            }
        }

        void open(int depth, String name) throws XMLStreamException {
            nl(depth);
            w.writeStartElement(name);
        }

        void close(int depth) throws XMLStreamException {
            nl(depth);
            w.writeEndElement();
        }

        void text(int depth, String name, String value) throws XMLStreamException, RenderException {
            open(depth, name);
            chars(value);
            w.writeEndElement();
        }

        void chars(String value) throws XMLStreamException, RenderException {
            w.writeCharacters(check(value, false));
        }

        void attr(String name, String value) throws XMLStreamException, RenderException {
            // a raw newline in an attribute is normalised to a space by every XML parser: refuse it
            w.writeAttribute(name, check(value, true));
        }

        private static String check(String v, boolean attribute) throws RenderException {
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                boolean bad = c < 0x20 && (attribute || (c != '\t' && c != '\n' && c != '\r'));
                if (bad || c == 0xfffe || c == 0xffff) {
                    throw new RenderException("'" + v.replace("\n", "\\n") + "' cannot be written to domain XML:"
                            + " it contains the character \\x" + String.format("%02x", (int) c));
                }
            }
            return v;
        }
    }
}
