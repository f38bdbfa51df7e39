package org.javapxeboot.mock.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.javapxeboot.mock.PxeMockServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a {@link PxeMockServer} for JUnit 5 tests and injects it as a parameter.
 *
 * <ul>
 *   <li>{@code @ExtendWith(PxeMockExtension.class)}: a fresh server per test method (default settings:
 *       a new temporary root, loopback, ephemeral ports, DHCP off), closed after the test.</li>
 *   <li>{@code @RegisterExtension static PxeMockExtension mock = PxeMockExtension.builder()...build();}:
 *       one server for the whole class, started before the first test, closed after the last.</li>
 *   <li>{@code @RegisterExtension PxeMockExtension mock = ...} (an instance field): one per test method.</li>
 * </ul>
 * Parameters of type {@link PxeMockServer} in test methods, lifecycle methods and constructors
 * receive the server; {@link #server()} returns it too.
 */
public final class PxeMockExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final Consumer<PxeMockServer.Builder> configure;
    private final Map<String, byte[]> files;
    private final ExtensionContext.Namespace namespace = ExtensionContext.Namespace.create(PxeMockExtension.class, this);
    private volatile PxeMockServer current;

    /** The {@code @ExtendWith} form: default settings. */
    public PxeMockExtension() {
        this(b -> { }, Map.of());
    }

    private PxeMockExtension(Consumer<PxeMockServer.Builder> configure, Map<String, byte[]> files) {
        this.configure = configure;
        this.files = files;
    }

    public static Builder builder() { return new Builder(); }

    /** The running server. @throws IllegalStateException outside a test */
    public PxeMockServer server() {
        PxeMockServer s = current;
        if (s == null) throw new IllegalStateException("the pxe-mock server runs only while a test runs");
        return s;
    }

    /** Closes the server when JUnit closes the context whose store holds it. */
    private record Running(PxeMockServer server) implements ExtensionContext.Store.CloseableResource {
        @Override public void close() { server.close(); }
    }

    /** The server visible from {@code context} (its own store or an enclosing one), or null. */
    private PxeMockServer lookup(ExtensionContext context) {
        Running r = context.getStore(namespace).get(Running.class, Running.class);
        return r == null ? null : r.server();
    }

    private PxeMockServer startIn(ExtensionContext context) throws IOException {
        PxeMockServer s = start();
        context.getStore(namespace).put(Running.class, new Running(s));
        current = s;
        return s;
    }

    @Override public void beforeAll(ExtensionContext context) throws IOException {
        // A static @RegisterExtension field: one server for the class (and its @Nested classes, which
        // find it in the enclosing context's store). @ExtendWith on the class: one per method.
        if (lookup(context) == null && isStaticField(context)) startIn(context);
    }

    @Override public void beforeEach(ExtensionContext context) throws IOException {
        PxeMockServer s = lookup(context);
        if (s == null) startIn(context);
        else current = s;
    }

    @Override public void afterEach(ExtensionContext context) {
        // The method's own server (if any) is closed with the method context; what stays visible is the class one.
        current = context.getParent().map(this::lookup).orElse(null);
    }

    @Override public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == PxeMockServer.class;
    }

    @Override public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        try {
            PxeMockServer s = lookup(e);
            // A constructor or @BeforeEach parameter can be resolved before beforeEach ran.
            return s != null ? s : startIn(e);
        } catch (IOException ex) {
            throw new ParameterResolutionException("cannot start the pxe-mock server: " + ex.getMessage(), ex);
        }
    }

    private PxeMockServer start() throws IOException {
        PxeMockServer.Builder b = PxeMockServer.builder();
        configure.accept(b);
        PxeMockServer s = b.start();
        try {
            files.forEach(s::putFile);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private boolean isStaticField(ExtensionContext context) {
        Class<?> c = context.getRequiredTestClass();
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (java.lang.reflect.Field f : k.getDeclaredFields()) {
                if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getType() != PxeMockExtension.class) continue;
                try {
                    f.setAccessible(true);
                    if (f.get(null) == this) return true;
                } catch (IllegalAccessException | RuntimeException ex) {
                    // not readable: not ours to decide
                }
            }
        }
        return false;
    }

    /** Settings for {@code @RegisterExtension}. */
    public static final class Builder {
        private final List<Consumer<PxeMockServer.Builder>> steps = new ArrayList<>();
        private final Map<String, byte[]> files = new LinkedHashMap<>();

        private Builder() {}

        /** Any {@link PxeMockServer.Builder} setting: {@code .configure(b -> b.lease(mac, ip).bootFile("pxelinux.0"))}. */
        public Builder configure(Consumer<PxeMockServer.Builder> step) {
            steps.add(step);
            return this;
        }

        /** A file to create under the root before each start (relative path). */
        public Builder file(String relative, byte[] content) {
            files.put(relative, content.clone());
            return this;
        }

        public Builder file(String relative, String content) {
            return file(relative, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        public PxeMockExtension build() {
            List<Consumer<PxeMockServer.Builder>> s = List.copyOf(steps);
            return new PxeMockExtension(b -> s.forEach(step -> step.accept(b)), Map.copyOf(files));
        }
    }
}
