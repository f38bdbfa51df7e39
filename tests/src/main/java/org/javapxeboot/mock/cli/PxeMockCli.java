package org.javapxeboot.mock.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code pxe-mock}: the mock DHCP/TFTP server's command line. {@code serve} is the default
 * subcommand ({@code pxe-mock --root DIR} means {@code pxe-mock serve --root DIR}). To add a
 * subcommand, write a {@code Callable<Integer>} annotated with {@code @Command} that takes a
 * {@link Context} in its constructor, and list it in {@code subcommands} below.
 */
@Command(name = "pxe-mock", mixinStandardHelpOptions = true, version = "pxe-mock 0.1.0",
    description = "A mock DHCP/TFTP server for testing PXE boot flows (serve is the default subcommand).",
    subcommands = {ServeCommand.class, RelayCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class PxeMockCli implements Runnable {
    /** Exit code for bad arguments (picocli's usage code). */
    public static final int EXIT_USAGE = 2;
    /** Exit code when the server cannot start (port in use, root missing). */
    public static final int EXIT_FAILURE = 1;

    /** What a subcommand may use: its streams, and a latch that says "stop" (SIGTERM/SIGINT, or a test). */
    public record Context(PrintStream out, PrintStream err, CountDownLatch stop) {}

    @Override public void run() {
        // Not reached: args without a subcommand get "serve" prepended (see run(...)).
    }

    public static void main(String[] args) {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                // Let the serving thread close its sockets and print its last line before the JVM exits.
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pxe-mock-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = run(args, System.out, System.err, stop);
        stopped.countDown();
        System.exit(code);
    }

    /**
     * Runs the CLI with the given streams; serving subcommands return when {@code stop} is counted
     * down. Returns the exit code. Tests call this in-process.
     */
    public static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
        Context context = new Context(out, err, stop);
        CommandLine cmd = new CommandLine(new PxeMockCli(), new Factory(context));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setParameterExceptionHandler((ex, a) -> {
            err.println("pxe-mock: " + ex.getMessage() + " (see pxe-mock " + subcommandName(ex.getCommandLine()) + "--help)");
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                err.println("pxe-mock: " + ex.getMessage());
                return EXIT_USAGE;
            }
            err.println("pxe-mock: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return EXIT_FAILURE;
        });
        return cmd.execute(withDefaultSubcommand(cmd, args));
    }

    private static String subcommandName(CommandLine c) {
        return c.getParent() == null ? "" : c.getCommandName() + " ";
    }

    /** Prepends "serve" unless the first argument names a subcommand or asks for top-level help/version. */
    static String[] withDefaultSubcommand(CommandLine cmd, String[] args) {
        Set<String> names = cmd.getSubcommands().keySet();
        if (args.length > 0 && (names.contains(args[0]) || Set.of("-h", "--help", "-V", "--version").contains(args[0]))) return args;
        String[] out = new String[args.length + 1];
        out[0] = "serve";
        System.arraycopy(args, 0, out, 1, args.length);
        return out;
    }

    /**
     * The factory picocli's man page and bash completion generators instantiate the commands with (the
     * process's streams, a stop latch nobody counts down): {@code --factory} of those tools.
     */
    public static final class DocsFactory implements CommandLine.IFactory {
        private final Factory factory = new Factory(new Context(System.out, System.err, new CountDownLatch(1)));

        @Override public <K> K create(Class<K> cls) throws Exception {
            return factory.create(cls);
        }
    }

    /** Gives subcommands that want it the {@link Context}. */
    private record Factory(Context context) implements CommandLine.IFactory {
        @Override public <K> K create(Class<K> cls) throws Exception {
            try {
                return cls.getDeclaredConstructor(Context.class).newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
