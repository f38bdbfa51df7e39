# xm config written by javapxeboot provisioner; edit the YAML instead
name = "cagnode50"
memory = 512
vcpus = 1
bootloader = "/usr/bin/javapxeboot"
bootargs = "vif[0]"
vif = [ 'mac=aa:00:86:e2:35:72,bridge=xenbr0' ]
disk = [ 'file:/var/xen-grid/cagnode50/fs/disk,sda,w', 'phy:/dev/xenvg/cagnode50-swap,hda3,w' ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "restart"
