package org.javapxeboot.xman.auth;

import org.apache.kerby.kerberos.kerb.client.KrbClient;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.type.ap.ApOptions;
import org.apache.kerby.kerberos.kerb.type.ap.ApReq;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.apache.kerby.kerberos.kerb.type.ticket.SgtTicket;
import org.apache.kerby.kerberos.kerb.type.ticket.TgtTicket;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A Kerberos 5 GSS token built by hand (Apache Kerby for the KDC exchange and the encryption):
 * unlike the JDK and MIT libraries, it will present a service ticket after the ticket expired,
 * with a fresh authenticator, which is what a server must refuse on its own. The ticket comes from
 * the KDC or is a {@link MintedTicket} (any times, an expired one included).
 */
public final class CraftedApReq {
    private final Ticket ticket;
    private final EncryptionKey sessionKey;
    private final String clientName;

    /** Gets a service ticket for {@code service} from the MIT KDC, logging in from the client's keytab. */
    public CraftedApReq(MitKdc kdc, String client, String service) throws Exception {
        KrbClient c = new KrbClient();
        c.setKdcRealm(MitKdc.REALM);
        c.setKdcHost("127.0.0.1");
        c.setKdcTcpPort(kdc.port);
        c.setAllowUdp(false);
        c.setAllowTcp(true);
        c.init();
        TgtTicket tgt = c.requestTgt(kdc.principal(client), kdc.keytab(client).toFile());
        SgtTicket sgt = c.requestSgt(tgt, service);
        ticket = sgt.getTicket();
        sessionKey = sgt.getSessionKey();
        clientName = client;
    }

    /** Presents a ticket made without the KDC. */
    public CraftedApReq(MintedTicket minted) {
        ticket = minted.ticket;
        sessionKey = minted.sessionKey;
        clientName = minted.client;
    }

    /** A GSS krb5 initial context token (RFC 1964 section 1.1) with a new authenticator stamped now. */
    public byte[] token() throws Exception {
        byte[] authenticator = authenticatorDer();
        EncryptedData enc = EncryptionHandler.encrypt(authenticator, sessionKey, KeyUsage.AP_REQ_AUTH);
        ApReq req = new ApReq();
        req.setApOptions(new ApOptions());
        req.setTicket(ticket);
        req.setEncryptedAuthenticator(enc);
        byte[] apReq = req.encode();
        byte[] oid = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x12, 0x01, 0x02, 0x02};
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        inner.write(oid);
        inner.write(new byte[] {0x01, 0x00}); // TOK_ID KRB_AP_REQ
        inner.write(apReq);
        return tlv(0x60, inner.toByteArray());
    }

    /** Authenticator (RFC 4120 section 5.5.1) with the GSS checksum 0x8003 of RFC 4121 section 4.1.1. */
    private byte[] authenticatorDer() throws Exception {
        byte[] gss = new byte[24];
        gss[0] = 16; // Lgth of the (empty, all-zero) channel bindings, little-endian; flags stay 0
        String ctime = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
        ByteArrayOutputStream seq = new ByteArrayOutputStream();
        seq.write(tlv(0xa0, tlv(0x02, new byte[] {5})));
        seq.write(tlv(0xa1, tlv(0x1b, MitKdc.REALM.getBytes(StandardCharsets.US_ASCII))));
        seq.write(tlv(0xa2, tlv(0x30, cat(tlv(0xa0, tlv(0x02, new byte[] {1})),
                tlv(0xa1, tlv(0x30, tlv(0x1b, clientName.getBytes(StandardCharsets.US_ASCII))))))));
        seq.write(tlv(0xa3, tlv(0x30, cat(tlv(0xa0, tlv(0x02, new byte[] {0x00, (byte) 0x80, 0x03})), tlv(0xa1, tlv(0x04, gss))))));
        seq.write(tlv(0xa4, tlv(0x02, new byte[] {0})));
        seq.write(tlv(0xa5, tlv(0x18, ctime.getBytes(StandardCharsets.US_ASCII))));
        return tlv(0x62, tlv(0x30, seq.toByteArray()));
    }

    private static byte[] cat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** DER tag-length-value. */
    public static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(tag);
        int n = value.length;
        if (n < 128) o.write(n);
        else if (n < 256) { o.write(0x81); o.write(n); }
        else { o.write(0x82); o.write(n >> 8); o.write(n & 0xff); }
        o.writeBytes(value);
        return o.toByteArray();
    }
}
