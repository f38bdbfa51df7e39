package org.javapxeboot.provisioner.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.javapxeboot.provisioner.model.YamlNodes.Value;
import org.yaml.snakeyaml.nodes.Node;

/** Reads a domain's {@code disk:} list (fields: {@link Schema#DISK}) and checks each disk on its own. */
final class DiskReader {
    private final YamlNodes nodes;
    private final Problems problems;

    DiskReader(YamlNodes nodes) {
        this.nodes = nodes;
        this.problems = nodes.problems;
    }

    record RawDisk(Disk.Type type, String path, String vg, String lv, String device, Long size,
                           Boolean writable, Boolean create, Location where, Map<String, Value> raw) {
    }

    List<RawDisk> disks(Node n, String context) {
        List<RawDisk> out = new ArrayList<>();
        for (Node item : nodes.list(n, "disk")) {
            Map<String, Value> d = nodes.mapping(item, Schema.DISK, "disk of " + context);
            Location where = nodes.at(item);
            String typeText = d.containsKey("type") ? nodes.oneOf(d.get("type").node(), "type", Schema.DISK.field("type").choices()) : null;
            if (!d.containsKey("type")) {
                problems.error(where, "disk has no 'type' (file, lvm or phy)");
            }
            Disk.Type type = typeText == null ? null : Disk.Type.valueOf(typeText.toUpperCase(Locale.ROOT));
            String path = d.containsKey("path") ? nodes.string(d.get("path").node(), "path") : null;
            String vg = d.containsKey("hostdevice") ? nodes.string(d.get("hostdevice").node(), "hostdevice") : null;
            String lv = d.containsKey("hostvol") ? nodes.string(d.get("hostvol").node(), "hostvol") : null;
            String device = null;
            if (d.containsKey("device") && d.containsKey("guestdevice")) {
                problems.error(d.get("guestdevice").where(), "give 'device' or 'guestdevice', not both (they are the same field)");
            }
            Value devValue = d.containsKey("device") ? d.get("device") : d.get("guestdevice");
            if (devValue != null) {
                device = nodes.string(devValue.node(), "device");
                if (device != null) {
                    Optional<String> p = Names.guestDeviceProblem(device);
                    if (p.isPresent()) {
                        problems.error(devValue.where(), p.get());
                        device = null;
                    }
                }
            }
            Long size = null;
            if (d.containsKey("size")) {
                String s = nodes.string(d.get("size").node(), "size");
                if (s != null) {
                    try {
                        size = Size.parse(s);
                        if (size == 0) {
                            problems.error(d.get("size").where(), "size must be positive, got " + s);
                            size = null;
                        } else if (size < ClusterLoader.MIN_DISK) {
                            problems.error(d.get("size").where(), "size " + s + " is below 1MiB"
                                    + (YamlNodes.DIGITS.matcher(s).matches() ? "; a plain number is bytes: did you mean " + s + "GiB?" : ""));
                            size = null;
                        }
                    } catch (IllegalArgumentException e) {
                        problems.error(d.get("size").where(), e.getMessage());
                    }
                }
            }
            Boolean writable = null;
            if (d.containsKey("rw")) {
                String rw = nodes.oneOf(d.get("rw").node(), "rw", Schema.DISK.field("rw").choices());
                writable = rw == null ? null : rw.equals("w");
            }
            Boolean create = d.containsKey("create") ? nodes.bool(d.get("create").node(), "create") : null;
            if (type != null) {
                checkDisk(type, path, vg, lv, size, create, where, d);
            }
            out.add(new RawDisk(type, path, vg, lv, device, size, writable, create, where, d));
        }
        return out;
    }

    private void checkDisk(Disk.Type type, String path, String vg, String lv, Long size, Boolean create, Location where,
                           Map<String, Value> d) {
        switch (type) {
            case FILE:
            case PHY:
                if (path == null) {
                    problems.error(where, type.name().toLowerCase(Locale.ROOT) + " disk has no 'path'");
                } else {
                    pathProblem(path).ifPresent(p -> problems.error(d.get("path").where(), p));
                    if (type == Disk.Type.PHY && !path.startsWith("/dev/")) {
                        problems.error(d.get("path").where(), "phy disk path '" + path + "' must be a block device under /dev/");
                    }
                }
                for (String k : List.of("hostdevice", "hostvol")) {
                    if (d.containsKey(k)) {
                        problems.error(d.get(k).where(), "'" + k + "' is for lvm disks; this disk is " + type.name().toLowerCase(Locale.ROOT));
                    }
                }
                break;
            case LVM:
                if (d.containsKey("path")) {
                    problems.error(d.get("path").where(), "lvm disks take 'hostdevice' (the VG) and 'hostvol' (the LV),"
                            + " not 'path' (it is /dev/VG/LV)");
                }
                if (vg == null) {
                    problems.error(where, "lvm disk has no 'hostdevice' (the volume group)");
                } else {
                    Names.vgProblem(vg).ifPresent(p -> problems.error(d.get("hostdevice").where(), p));
                }
                if (lv == null) {
                    problems.error(where, "lvm disk has no 'hostvol' (the logical volume)");
                } else {
                    Names.lvProblem(lv).ifPresent(p -> problems.error(d.get("hostvol").where(), p));
                }
                break;
            default:
                throw new IllegalStateException(type.name());
        }
        if (type == Disk.Type.PHY) {
            if (Boolean.TRUE.equals(create)) {
                problems.error(d.get("create").where(), "phy disks are existing devices and cannot be created");
            }
        } else if (!Boolean.FALSE.equals(create) && size == null && !d.containsKey("size")) {
            problems.error(where, type.name().toLowerCase(Locale.ROOT) + " disk has no 'size' (needed to create it;"
                    + " or say create: false if it exists)");
        }
    }

    static Optional<String> pathProblem(String path) {
        if (path.isEmpty()) {
            return Optional.of("disk path is empty");
        }
        if (path.contains(",")) {
            // xm's disk spec "file:/path,sda,w" is comma separated; a comma would split the path
            return Optional.of("disk path '" + path + "' contains ',' which xm's disk syntax cannot carry");
        }
        for (String seg : path.split("/")) {
            if (seg.equals("..")) {
                return Optional.of("disk path '" + path + "' contains '..'; give the path without it");
            }
        }
        if (path.startsWith("-")) {
            return Optional.of("disk path '" + path + "' starts with '-' and would read as an option");
        }
        return Optional.empty();
    }

}
