package org.javapxeboot.xman.auth;

import org.apache.kerby.kerberos.kerb.ccache.CredentialCache;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.keytab.Keytab;
import org.apache.kerby.kerberos.kerb.keytab.KeytabEntry;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncoding;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncodingType;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.TgtTicket;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlag;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlags;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * A Kerberos ticket made here instead of by the KDC (Apache Kerby for the types and the
 * encryption): sealed with the service's own key, read from the service's keytab, with whatever
 * times the test chooses. A ticket that ended an hour ago is expired beyond any clock skew at once,
 * so no test waits for a ticket to age; a twin minted the same way with a future end time shows
 * that only the age differs.
 */
public final class MintedTicket {
    /** The key type the ticket and its session key use (MIT's and the JDK's default, in every keytab here). */
    private static final EncryptionType ETYPE = EncryptionType.AES256_CTS_HMAC_SHA1_96;

    public final Ticket ticket;
    public final EncryptionKey sessionKey;
    /** The client's name without the realm ("admin"). */
    public final String client;
    public final PrincipalName service;
    public final Instant authTime;
    public final Instant endTime;

    private MintedTicket(Ticket ticket, EncryptionKey sessionKey, String client, PrincipalName service, Instant authTime, Instant endTime) {
        this.ticket = ticket;
        this.sessionKey = sessionKey;
        this.client = client;
        this.service = service;
        this.authTime = authTime;
        this.endTime = endTime;
    }

    /**
     * A ticket for {@code client} (a name in {@link MitKdc#REALM}) to {@code service} ("HTTP/localhost"),
     * issued (authtime and starttime) at {@code authTime}, valid until {@code endTime}, encrypted in
     * the newest AES-256 key for {@code service} in {@code keytab}.
     */
    public static MintedTicket mint(Path keytab, String service, String client, Instant authTime, Instant endTime) throws Exception {
        PrincipalName sname = new PrincipalName(service, NameType.NT_SRV_INST);
        sname.setRealm(MitKdc.REALM);
        KeytabEntry key = serviceKey(keytab, sname);
        EncryptionKey sessionKey = EncryptionHandler.random2Key(ETYPE);

        EncTicketPart part = new EncTicketPart();
        part.setFlags(flags());
        part.setKey(sessionKey);
        part.setCrealm(MitKdc.REALM);
        part.setCname(new PrincipalName(client, NameType.NT_PRINCIPAL));
        TransitedEncoding transited = new TransitedEncoding();
        transited.setTrType(TransitedEncodingType.DOMAIN_X500_COMPRESS);
        transited.setContents(new byte[0]);
        part.setTransited(transited);
        part.setAuthTime(time(authTime));
        part.setStartTime(time(authTime));
        part.setEndTime(time(endTime));

        EncryptedData sealed = EncryptionHandler.encrypt(part.encode(), key.getKey(), KeyUsage.KDC_REP_TICKET);
        sealed.setKvno(key.getKvno());
        Ticket t = new Ticket();
        t.setTktKvno(Ticket.TKT_KVNO);
        t.setRealm(MitKdc.REALM);
        t.setSname(sname);
        t.setEncryptedEncPart(sealed);
        return new MintedTicket(t, sessionKey, client, sname, authTime, endTime);
    }

    /**
     * Writes this ticket as the only credential of a new MIT file credential cache (what kinit
     * writes; KRB5CCNAME=FILE:path), the client's side of it (session key, flags, times) included.
     */
    public Path writeCcache(Path file) throws Exception {
        EncAsRepPart rep = new EncAsRepPart();
        rep.setKey(sessionKey);
        rep.setFlags(flags());
        rep.setAuthTime(time(authTime));
        rep.setStartTime(time(authTime));
        rep.setEndTime(time(endTime));
        rep.setSrealm(MitKdc.REALM);
        rep.setSname(service);
        PrincipalName cname = new PrincipalName(client, NameType.NT_PRINCIPAL);
        cname.setRealm(MitKdc.REALM);
        new CredentialCache(new TgtTicket(ticket, rep, cname)).store(file.toFile());
        return file;
    }

    private static KeytabEntry serviceKey(Path keytab, PrincipalName sname) throws Exception {
        // By name: the name type in a keytab is the one the principal was made with (admin tools use 1, the KDC 2).
        Keytab kt = Keytab.loadKeytab(keytab.toFile());
        List<KeytabEntry> entries = kt.getPrincipals().stream().filter(p -> p.getName().equals(sname.getName()))
                .flatMap(p -> kt.getKeytabEntries(p).stream()).toList();
        return entries.stream().filter(e -> e.getKey().getKeyType() == ETYPE).max(Comparator.comparingInt(KeytabEntry::getKvno))
                .orElseThrow(() -> new IllegalArgumentException("no " + ETYPE.getName() + " key for " + sname + " in " + keytab));
    }

    private static TicketFlags flags() {
        TicketFlags f = new TicketFlags();
        f.setFlag(TicketFlag.INITIAL);
        f.setFlag(TicketFlag.PRE_AUTH);
        return f;
    }

    private static KerberosTime time(Instant i) {
        // Kerberos times are whole seconds.
        return new KerberosTime(i.getEpochSecond() * 1000);
    }
}
