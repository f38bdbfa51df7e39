# xm config written by javapxeboot provisioner; edit the YAML instead
name = "evil\"'<&>"
memory = 256
vcpus = 1
bootloader = "/usr/bin/java\"pxe'boot"
bootargs = "vif[0]"
extra = "q\"uo'te <tag> & amp \\back\nnew line"
vif = [ 'mac=aa:00:00:00:00:01' ]
disk = [ 'file:/srv/it\'s "quoted" & <odd>.img,xvda,w' ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "restart"
