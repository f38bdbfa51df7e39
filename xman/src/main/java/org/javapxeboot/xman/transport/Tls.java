package org.javapxeboot.xman.transport;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Confidentiality: xmand speaks HTTPS. At first start it makes a self-signed key pair with the
 * JDK's own keytool (no X.509 writer in the public JDK API) and writes the certificate as PEM next
 * to the keystore; rxm trusts exactly the certificates given with --cacert. Kerberos (mutual)
 * still authenticates both ends; TLS only hides requests and answers.
 */
public final class Tls {
    public static final String ALIAS = "xmand";
    /** The password when neither --tls-password nor $XMAND_TLS_PASSWORD is given: public, so the file's mode must protect the key. */
    public static final String DEFAULT_PASSWORD = "xmand-tls";

    private Tls() {}

    /** The PEM file written next to a keystore: xmand.p12 -> xmand.crt. */
    public static Path certificateFile(Path keystore) {
        String n = keystore.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return keystore.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".crt");
    }

    /** Loads the keystore, creating it (and its .crt) first if it does not exist. */
    public static KeyStore loadOrCreate(Path keystore, char[] password, List<String> names) throws IOException, GeneralSecurityException {
        if (!Files.exists(keystore)) create(keystore, password, names);
        String problem = exposedKey(keystore, password);
        if (problem != null) throw new IOException(problem);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, password);
        } catch (IOException e) {
            throw new IOException("TLS keystore " + keystore + ": " + e.getMessage() + " (wrong --tls-password?)", e);
        }
        return ks;
    }

    /**
     * Why the private key is exposed, or null: a keystore under the built-in (or an empty) password
     * that group or others can read gives the key to anyone on the host.
     */
    static String exposedKey(Path keystore, char[] password) throws IOException {
        if (password.length != 0 && !java.util.Arrays.equals(password, DEFAULT_PASSWORD.toCharArray())) return null;
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(keystore);
        } catch (UnsupportedOperationException e) {
            return null; // no POSIX modes to check
        }
        java.util.Set<java.nio.file.attribute.PosixFilePermission> open = java.util.EnumSet.of(
                java.nio.file.attribute.PosixFilePermission.GROUP_READ, java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        open.retainAll(perms);
        if (open.isEmpty()) return null;
        return "TLS keystore " + keystore + " is readable by " + (open.size() == 2 ? "group and others" : open.contains(
                java.nio.file.attribute.PosixFilePermission.GROUP_READ) ? "its group" : "others") + " (mode " + PosixFilePermissions.toString(perms)
                + ") and " + (password.length == 0 ? "has an empty password" : "uses the built-in password") + ", so anyone on the host can take the private key: "
                + "chmod 600 " + keystore + ", or give a password with --tls-password or $XMAND_TLS_PASSWORD";
    }

    private static void create(Path keystore, char[] password, List<String> names) throws IOException, GeneralSecurityException {
        if (keystore.getParent() != null) Files.createDirectories(keystore.getParent());
        // keytool writes with the process umask (often 0644): let it write inside a directory only
        // we can enter, tighten the file to 0600, and only then move it into place.
        Path privateDir;
        try {
            privateDir = Files.createTempDirectory(keystore.toAbsolutePath().getParent(), "." + keystore.getFileName() + ".",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            privateDir = Files.createTempDirectory(keystore.toAbsolutePath().getParent(), "." + keystore.getFileName() + ".");
        }
        try {
            create(keystore, privateDir.resolve("new.p12"), password, names);
        } finally {
            try (java.util.stream.Stream<Path> left = Files.list(privateDir)) {
                for (Path p : (Iterable<Path>) left::iterator) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(privateDir);
        }
    }

    private static void create(Path keystore, Path tmp, char[] password, List<String> names) throws IOException, GeneralSecurityException {
        StringBuilder san = new StringBuilder("SAN=");
        for (String n : names) {
            if (san.length() > 4) san.append(',');
            san.append(n.matches("[0-9.]+|.*:.*") ? "ip:" : "dns:").append(n);
        }
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        ProcessBuilder pb = new ProcessBuilder(keytool, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-validity", "3650", "-dname", "CN=" + names.get(0) + ", O=xmand",
                "-ext", san.toString(), "-keystore", tmp.toString(), "-storetype", "PKCS12",
                "-storepass:env", "XMAND_TLS_PW", "-keypass:env", "XMAND_TLS_PW", "-noprompt");
        pb.environment().put("XMAND_TLS_PW", new String(password));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                Files.deleteIfExists(tmp);
                throw new IOException("keytool could not create " + keystore + ": " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating " + keystore, e);
        }
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // Not a POSIX file system: nothing to tighten.
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tmp)) {
            ks.load(in, password);
        }
        Files.writeString(certificateFile(keystore), pem(ks.getCertificate(ALIAS)));
        Files.move(tmp, keystore, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        // The directory entry's mode is what was set above; a move keeps it.
    }

    public static String pem(Certificate cert) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    public static SSLContext serverContext(KeyStore ks, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A client context trusting exactly the PEM certificates in the given files. */
    public static SSLContext clientContext(List<Path> caFiles) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        int i = 0;
        for (Path f : caFiles) {
            List<Certificate> certs = new ArrayList<>();
            try (InputStream in = Files.newInputStream(f)) {
                certs.addAll(cf.generateCertificates(in));
            } catch (java.security.cert.CertificateException e) {
                throw new IOException(f + ": not a PEM certificate file: " + e.getMessage());
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException("certificate file " + f + " does not exist (xmand writes it next to its keystore)");
            }
            if (certs.isEmpty()) throw new IOException(f + ": no certificate in the file");
            for (Certificate c : certs) trust.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
