package org.javapxeboot.xman.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A daemon's settings file ({@code /etc/xman/xmand.conf}, {@code /etc/xman/portal.conf}): {@code key = value}
 * lines whose keys are the command's long option names without {@code --}, {@code #} comments. The values
 * become the options' defaults, so a flag on the command line overrides the file.
 *
 * <p>The file is hostile until checked: an unknown or repeated key, a line without {@code =}, a boolean that is
 * not {@code true}/{@code false}, a control character or more than {@value #MAX_BYTES} bytes is an error naming
 * {@code FILE:LINE}, and nothing starts. Daemons run as root read it, so a file (or its folder) that a user other
 * than root or the daemon's own could change is refused, and a file holding {@code tls-password} must not be
 * readable by everyone.
 */
public final class ConfigFile implements CommandLine.IDefaultValueProvider {
    /** The option naming the file. */
    public static final String OPTION = "--config";
    static final int MAX_BYTES = 64 * 1024;
    /** Keys that are secrets: the file must not be readable by everyone. */
    static final Set<String> SECRETS = Set.of("tls-password");
    /** Options that make no sense in a file. */
    private static final Set<String> NOT_SETTINGS = Set.of("config", "help", "version");

    private final Map<String, String> values;

    ConfigFile(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The settings read, key to value. */
    public Map<String, String> values() {
        return values;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? values.get(key(o)) : null;
    }

    /** An option's key: its longest name without the leading dashes, or null for a short-only option. */
    static String key(OptionSpec o) {
        String name = o.longestName();
        return name.startsWith("--") ? name.substring(2) : null;
    }

    /**
     * Reads the file {@code --config} names in {@code args} (else {@code defaultFile}, when it exists) into
     * {@code cl}'s default values. Returns null when done, else the error (one line, naming the file).
     */
    public static String apply(CommandLine cl, Path defaultFile, String[] args) {
        Path given = given(args);
        Path file = given != null ? given : defaultFile;
        try {
            ConfigFile c = read(file, cl.getCommandSpec(), given != null);
            if (c != null) {
                cl.setDefaultValueProvider(c);
            }
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    /** The value of {@code --config} in the command line, or null. */
    static Path given(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                return null;
            }
            if (args[i].equals(OPTION) && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith(OPTION + "=")) {
                return Path.of(args[i].substring(OPTION.length() + 1));
            }
        }
        return null;
    }

    /** Reads and checks the file; null when it does not exist and was not asked for. */
    static ConfigFile read(Path file, CommandLine.Model.CommandSpec spec, boolean required) throws ConfigException {
        byte[] bytes;
        try {
            String why = FileTrust.untrusted(file);
            if (why != null) {
                throw new ConfigException(file + ": refused: " + why + "; make it root's and not writable by others (chown root, chmod go-w)");
            }
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(file + ": not a regular file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(file + ": larger than " + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new ConfigException(file + ": no such file");
            }
            return null;
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text");
        }
        Map<String, String> values = parse(file.toString(), text, spec);
        for (String secret : SECRETS) {
            if (values.containsKey(secret)) {
                String why;
                try {
                    why = FileTrust.readableByEveryone(file);
                } catch (IOException e) {
                    throw new ConfigException(file + ": cannot read: " + e.getMessage());
                }
                if (why != null) {
                    throw new ConfigException(file + ": holds " + secret + " but " + why + " (chmod o-r)");
                }
            }
        }
        return new ConfigFile(values);
    }

    /** Parses the text (pure): every key known to {@code spec}, each once; errors name {@code source:LINE}. */
    static Map<String, String> parse(String source, String text, CommandLine.Model.CommandSpec spec) throws ConfigException {
        Map<String, OptionSpec> options = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            String k = key(o);
            if (k != null && !NOT_SETTINGS.contains(k)) {
                options.put(k, o);
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String where = source + ":" + (n + 1) + ": ";
            String line = lines[n].endsWith("\r") ? lines[n].substring(0, lines[n].length() - 1) : lines[n];
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new ConfigException(where + "control character " + String.format("0x%02x", (int) c));
                }
            }
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq < 0) {
                // the line itself is not shown: a mistyped "tls-password: ..." would land in the journal
                throw new ConfigException(where + "expected 'key = value' (the line is not repeated here: it may hold a secret)");
            }
            String k = t.substring(0, eq).strip();
            String v = t.substring(eq + 1).strip();
            if (k.startsWith("-")) {
                throw new ConfigException(where + "write the key without dashes: '" + k.replaceFirst("^-+", "") + " = ...'");
            }
            OptionSpec o = options.get(k);
            if (o == null) {
                throw new ConfigException(where + "unknown setting '" + k + "' (settings: " + String.join(", ", options.keySet()) + ")");
            }
            if (values.containsKey(k)) {
                throw new ConfigException(where + "'" + k + "' is set twice");
            }
            if (v.isEmpty()) {
                throw new ConfigException(where + "'" + k + "' has no value (leave the line out for the default)");
            }
            if (isBoolean(o) && !v.equals("true") && !v.equals("false")) {
                throw new ConfigException(where + "'" + k + "' is true or false, not '" + v + "'");
            }
            values.put(k, v);
        }
        return values;
    }

    private static boolean isBoolean(OptionSpec o) {
        return o.type() == boolean.class || o.type() == Boolean.class;
    }

    /** A settings file that cannot be used; the message names the file (and line). */
    public static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigException(String message) {
            super(message);
        }
    }
}
