package org.javapxeboot.provisioner.render;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.javapxeboot.provisioner.model.Guest;

/**
 * Renders a guest's kickstart (or preseed) from {@code kickstart-templates/}. The variables are a
 * closed set, listed in docs/provisioner.md, plus the guest's {@code vars:}; a built-in name
 * wins over a {@code vars:} entry of the same name. Templates are parsed once per file.
 */
public final class Kickstart {
    private final Path dir;
    private final Map<String, Template> cache = new ConcurrentHashMap<>();
    private final Map<Path, byte[]> sources = new ConcurrentHashMap<>();

    public Kickstart(Path templatesDir) {
        this.dir = templatesDir;
    }

    public Path dir() {
        return dir;
    }

    /** The variables a template sees for this guest. */
    public static Map<String, String> variables(String server, Guest g) {
        Map<String, String> v = new LinkedHashMap<>(g.vars());
        v.put("name", g.name());
        v.put("hostname", g.name());
        v.put("mac", g.bootMac());
        v.put("mac_dashed", g.vifs().get(0).macDashed());
        v.put("server", server);
        v.put("ks_url", Install.ksUrl(server, g));
        v.put("ack_url", Install.ackUrl(server, g));
        v.put("ack_loop", Install.ackLoop(server, g));
        v.put("memory", Integer.toString(g.memoryMiB()));
        v.put("vcpus", Integer.toString(g.vcpus()));
        v.put("disk0", g.disks().isEmpty() ? "" : g.disks().get(0).device());
        v.put("install_options", g.installOptions() == null ? "" : g.installOptions());
        v.put("hypervisor", g.hypervisor().yamlName());
        return v;
    }

    public String render(String server, Guest g) throws RenderException {
        return template(g.kickstart()).render(variables(server, g));
    }

    /** Every template file parsed so far, with the SHA-256 of the very bytes it was parsed from. */
    public Map<Path, byte[]> sources() {
        return Map.copyOf(sources);
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Template template(String name) throws RenderException {
        Template t = cache.get(name);
        if (t != null) {
            return t;
        }
        Path p = dir.resolve(name);
        try {
            byte[] bytes = Files.readAllBytes(p);
            t = Template.parse(p.toString(), StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString());
            sources.put(p.toAbsolutePath().normalize(), digest(bytes));
        } catch (NoSuchFileException e) {
            throw new RenderException("kickstart template " + p + " does not exist");
        } catch (IOException e) {
            throw new RenderException("cannot read kickstart template " + p + ": " + e.getMessage());
        }
        cache.put(name, t);
        return t;
    }
}
