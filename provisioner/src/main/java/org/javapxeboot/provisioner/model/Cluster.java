package org.javapxeboot.provisioner.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One YAML file: the guests of a host, the volume groups it may create, and the install server
 * URL guests fetch kickstarts from and acknowledge to.
 *
 * @param server    base URL as seen by guests, e.g. http://192.0.2.1:8069 (kickstarts at /ks/NAME.ks, acks at /ack/NAME)
 * @param warnings  non-fatal findings (YAML 1.1 booleans, ...)
 */
public record Cluster(String file, String server, List<Guest> guests, Map<String, VolumeGroup> volumeGroups,
                      List<Problem> warnings) {

    public Optional<Guest> guest(String name) {
        return guests.stream().filter(g -> g.name().equals(name)).findFirst();
    }
}
