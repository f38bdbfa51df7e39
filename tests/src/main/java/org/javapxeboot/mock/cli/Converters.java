package org.javapxeboot.mock.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.javapxeboot.net.MacAddress;
import picocli.CommandLine;

/** Argument parsers: each failure is a one-line message that quotes the input. */
final class Converters {
    private Converters() {}

    record Lease(MacAddress mac, Inet4Address ip) {}

    /** {@code MAC=IP}, e.g. {@code aa:00:86:e2:35:72=10.0.0.5}. */
    static final class LeaseConverter implements CommandLine.ITypeConverter<Lease> {
        @Override public Lease convert(String value) {
            int eq = value.indexOf('=');
            if (eq < 0) throw new CommandLine.TypeConversionException("'" + value + "' is not MAC=IP (e.g. aa:00:86:e2:35:72=10.0.0.5)");
            MacAddress mac;
            try {
                mac = MacAddress.parse(value.substring(0, eq));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
            return new Lease(mac, ipv4(value.substring(eq + 1)));
        }
    }

    static final class Ipv4Converter implements CommandLine.ITypeConverter<Inet4Address> {
        @Override public Inet4Address convert(String value) { return ipv4(value); }
    }

    static final class AddressConverter implements CommandLine.ITypeConverter<InetAddress> {
        @Override public InetAddress convert(String value) { return literal(value); }
    }

    /** {@code ADDR:PORT} or {@code [V6]:PORT}. */
    static final class SocketAddressConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override public InetSocketAddress convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0) throw new CommandLine.TypeConversionException("'" + value + "' is not ADDRESS:PORT (e.g. 127.0.0.1:6969)");
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "': port '" + value.substring(colon + 1) + "' is not a number");
            }
            if (port < 0 || port > 65535) throw new CommandLine.TypeConversionException("'" + value + "': port " + port + " is outside 0..65535");
            return new InetSocketAddress(literal(host), port);
        }
    }

    /** Numeric addresses only: a mock server must not depend on name resolution. */
    static InetAddress literal(String s) {
        boolean numeric = !s.isEmpty() && (s.chars().allMatch(c -> Character.isDigit(c) || c == '.') || s.indexOf(':') >= 0);
        if (!numeric) throw new CommandLine.TypeConversionException("'" + s + "' is not a numeric IP address");
        try {
            InetAddress a = InetAddress.getByName(s);
            if (a instanceof Inet4Address && s.chars().filter(c -> c == '.').count() != 3) throw new java.net.UnknownHostException();
            return a;
        } catch (java.net.UnknownHostException e) {
            throw new CommandLine.TypeConversionException("'" + s + "' is not an IP address");
        }
    }

    static Inet4Address ipv4(String s) {
        InetAddress a = literal(s);
        if (!(a instanceof Inet4Address v4)) throw new CommandLine.TypeConversionException("'" + s + "' is not an IPv4 address (DHCP is IPv4)");
        return v4;
    }
}
