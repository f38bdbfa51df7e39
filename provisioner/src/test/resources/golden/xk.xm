# xm config written by javapxeboot provisioner; edit the YAML instead
name = "xk"
memory = 512
vcpus = 1
kernel = "/boot/vmlinuz-xen"
ramdisk = "/boot/initrd-xen.img"
extra = "console=hvc0 root=/dev/xvda1"
vif = [ 'mac=aa:00:86:e2:35:74' ]
disk = [ 'phy:/dev/sdb,xvda,r' ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "restart"
