package org.javapxeboot.dhcp;

/**
 * Option numbers and PXE constants that dhcp4java's {@code DHCPConstants} lacks, and the values this client
 * sends. One line each, with the document that defines it. The bootloader's client and pxe-mock's server
 * both read them from here; the byte layout of options is {@link DhcpTlv}.
 */
public final class DhcpOptions {
    private DhcpOptions() {}

    /** RFC 4578 §2.1: Client System Architecture Type (2 bytes per architecture). */
    public static final byte CLIENT_ARCH = 93;
    /** RFC 4578 §2.2: Client Network Interface Identifier (type 1 = UNDI, major, minor). */
    public static final byte CLIENT_NDI = 94;
    /** RFC 4578 §2.3: Client Machine Identifier (type 0, then a 16-byte UUID/GUID). */
    public static final byte CLIENT_UUID = 97;
    /** RFC 5071 §5: PXELINUX configuration file. */
    public static final byte PXELINUX_CONFIG_FILE = (byte) 209;
    /** RFC 5071 §6: PXELINUX path prefix. */
    public static final byte PXELINUX_PATH_PREFIX = (byte) 210;

    /** RFC 2132 §9.3 option 52: the {@code file} field (bit 1) and the {@code sname} field (bit 2) carry options. */
    public static final int OVERLOAD_FILE = 1, OVERLOAD_SNAME = 2;

    /** PXE 2.1 §2.4: option 43 sub-options (discovery control, boot servers, boot menu, boot item). */
    public static final int PXE_DISCOVERY_CONTROL = 6, PXE_BOOT_SERVERS = 8, PXE_BOOT_MENU = 9, PXE_BOOT_ITEM = 71;

    /** RFC 2132 §9.6 option 53: the names of message types 1..8. */
    private static final String[] MESSAGE_TYPES = {null, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"};

    /** The name of a DHCP message type (option 53), or null for a number RFC 2132 does not define. */
    public static String messageTypeName(int type) {
        return type > 0 && type < MESSAGE_TYPES.length ? MESSAGE_TYPES[type] : null;
    }

    /** Whether an option 55 value (the parameter request list) asks for {@code code}. */
    public static boolean requests(byte[] parameterRequestList, int code) {
        if (parameterRequestList == null) return false;
        for (byte b : parameterRequestList) if ((b & 0xff) == code) return true;
        return false;
    }

    /**
     * PXE 2.1 §2.2.5: the option 43 a boot server request carries, sub-option 71 (boot item: server type, layer),
     * then END.
     */
    public static byte[] pxeBootItem(int bootServerType, int layer) {
        return DhcpTlv.encode(java.util.Map.of(PXE_BOOT_ITEM,
            new byte[] {(byte) (bootServerType >> 8), (byte) bootServerType, (byte) (layer >> 8), (byte) layer}));
    }

    /** RFC 4578 §2.1: architecture 0 = Intel x86PC (BIOS), which is what pxelinux serves. */
    public static final byte[] ARCH_X86_BIOS = {0x00, 0x00};
    /** RFC 4578 §2.2: UNDI (type 1) version 2.1, as PXE 2.1 ROMs announce. */
    public static final byte[] NDI_UNDI_2_1 = {0x01, 0x02, 0x01};
    /** PXE 2.1 §2.2.5: the vendor class a PXE ROM sends; arch 00000 and UNDI 002001 match options 93 and 94. */
    public static final String PXE_VENDOR_CLASS = "PXEClient:Arch:00000:UNDI:002001";

    /**
     * Option 55, in the order sent. 1/3/6/12/15/28 are what IPAPPEND and a network installer need;
     * 43 and 60 let a PXE-aware server recognise us; 66/67 the boot server and file (dnsmasq sends 67 only
     * when it is asked for here, and the {@code file} field otherwise); 209/210 the pxelinux config file and
     * path prefix (RFC 5071: a server sends them only when requested); 51/54 lease time and server id.
     */
    public static final byte[] PARAMETER_REQUEST_LIST = {
        1, 3, 6, 12, 15, 28, 43, 51, 54, 60, 66, 67, PXELINUX_CONFIG_FILE, PXELINUX_PATH_PREFIX,
    };

    /**
     * Option 57 (RFC 2132 §9.10): the largest DHCP message we accept, counting IP and UDP headers. An
     * Ethernet frame's payload; the receive buffer is larger than this.
     */
    public static final short MAX_MESSAGE_SIZE = 1500;

    /** RFC 2131 §2: the BROADCAST bit of the {@code flags} field. */
    public static final short FLAG_BROADCAST = (short) 0x8000;

    /** A short human name for an option number, for error messages. */
    static String name(int code) {
        switch (code & 0xff) {
            case 1: return "option 1 (subnet mask)";
            case 3: return "option 3 (router)";
            case 6: return "option 6 (DNS servers)";
            case 12: return "option 12 (host name)";
            case 15: return "option 15 (domain name)";
            case 51: return "option 51 (lease time)";
            case 52: return "option 52 (overload)";
            case 53: return "option 53 (message type)";
            case 54: return "option 54 (server identifier)";
            case 67: return "option 67 (boot file)";
            case 209: return "option 209 (pxelinux config file)";
            case 210: return "option 210 (pxelinux path prefix)";
            default: return "option " + (code & 0xff);
        }
    }
}
