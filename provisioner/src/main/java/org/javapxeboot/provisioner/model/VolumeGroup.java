package org.javapxeboot.provisioner.model;

import java.util.List;

/** A volume group the YAML allows the provisioner to create (top-level {@code volume_groups}), on these PVs. */
public record VolumeGroup(String name, List<String> pvs, Location where) {
}
