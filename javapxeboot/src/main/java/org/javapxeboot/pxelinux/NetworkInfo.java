package org.javapxeboot.pxelinux;

import java.net.Inet4Address;

/**
 * What DHCP told the client, for IPAPPEND. {@code gateway} and {@code netmask} may be null (pxelinux then
 * prints 0.0.0.0); so may {@code client} and {@code server} when DHCP was skipped.
 */
public record NetworkInfo(Inet4Address client, Inet4Address server, Inet4Address gateway, Inet4Address netmask,
                          org.javapxeboot.net.MacAddress mac) {}
