/*
 * UDP segmentation offload for the TFTP engine (org.javapxeboot.net.UdpOffload).
 *
 * Java 17 has no socket option for UDP_SEGMENT (GSO: one send() of many equal-sized datagrams, cut by
 * the kernel) or UDP_GRO (one recv() returns several datagrams of one flow, coalesced). Both are plain
 * setsockopt calls on the channel's descriptor. The descriptor is
 * read through JNI (DatagramChannelImpl.fd -> FileDescriptor.fd), which module encapsulation does not
 * restrict, so no --add-opens is needed. Every failure comes back as a negative errno; Java falls back
 * to one datagram per system call.
 *
 * recv0 is a receive that also returns the UDP_GRO control message (the size of the coalesced
 * datagrams): Java's DatagramChannel.receive() drops control messages, and without that size the
 * boundaries inside a coalesced buffer are only a guess.
 */
#include <jni.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif

static int channel_fd(JNIEnv *env, jobject channel) {
    jclass cls = (*env)->GetObjectClass(env, channel);
    jfieldID fdField = NULL;
    /* DatagramChannelImpl.fd; walk up in case of a subclass. */
    while (cls != NULL) {
        fdField = (*env)->GetFieldID(env, cls, "fd", "Ljava/io/FileDescriptor;");
        if (fdField != NULL) break;
        (*env)->ExceptionClear(env);
        cls = (*env)->GetSuperclass(env, cls);
    }
    if (fdField == NULL) return -ENOTSOCK;
    jobject fdObj = (*env)->GetObjectField(env, channel, fdField);
    if (fdObj == NULL) return -EBADF;
    jclass fdCls = (*env)->GetObjectClass(env, fdObj);
    jfieldID intField = (*env)->GetFieldID(env, fdCls, "fd", "I");
    if (intField == NULL) {
        (*env)->ExceptionClear(env);
        return -ENOTSOCK;
    }
    int fd = (*env)->GetIntField(env, fdObj, intField);
    return fd < 0 ? -EBADF : fd;
}

JNIEXPORT jint JNICALL
Java_org_javapxeboot_net_UdpOffload_setUdpOption0(JNIEnv *env, jclass self, jobject channel, jint option, jint value) {
    (void) self;
    int fd = channel_fd(env, channel);
    if (fd < 0) return fd;
    int v = value;
    if (setsockopt(fd, SOL_UDP, option, &v, sizeof v) != 0) return -errno;
    return 0;
}

JNIEXPORT jint JNICALL
Java_org_javapxeboot_net_UdpOffload_getUdpOption0(JNIEnv *env, jclass self, jobject channel, jint option) {
    (void) self;
    int fd = channel_fd(env, channel);
    if (fd < 0) return fd;
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_UDP, option, &v, &len) != 0) return -errno;
    return v < 0 ? -EINVAL : v;
}

JNIEXPORT jint JNICALL
Java_org_javapxeboot_net_UdpOffload_fd0(JNIEnv *env, jclass self, jobject channel) {
    (void) self;
    return channel_fd(env, channel);
}

/*
 * One non-blocking recvmsg into buf[pos, limit). Returns the byte count or a negative errno (-EAGAIN
 * when nothing is queued). meta: [0] segment size from UDP_GRO (0 = one datagram), [1] 1 if the
 * datagram was cut short, [2] source port, [3] 4 or 6, [4..7] source address, network order, packed
 * big-endian into ints (IPv4 uses [4] only).
 */
JNIEXPORT jint JNICALL
Java_org_javapxeboot_net_UdpOffload_recv0(JNIEnv *env, jclass self, jint fd, jobject buf, jint pos, jint limit,
                                          jintArray meta) {
    (void) self;
    char *base = (*env)->GetDirectBufferAddress(env, buf);
    jlong cap = (*env)->GetDirectBufferCapacity(env, buf);
    if (base == NULL || pos < 0 || limit < pos || limit > cap) return -EINVAL;
    struct sockaddr_storage from;
    struct iovec iov = { base + pos, (size_t) (limit - pos) };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    jint out[8] = {0};
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == 104 /* UDP_GRO */) {
            int size;
            memcpy(&size, CMSG_DATA(c), sizeof size);
            out[0] = size;
        }
    }
    out[1] = (msg.msg_flags & MSG_TRUNC) ? 1 : 0;
    if (from.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *) &from;
        const unsigned char *b = (const unsigned char *) &a->sin_addr;
        out[2] = ntohs(a->sin_port);
        out[3] = 4;
        out[4] = (jint) ((unsigned) b[0] << 24 | (unsigned) b[1] << 16 | (unsigned) b[2] << 8 | b[3]);
    } else if (from.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &from;
        const unsigned char *b = a->sin6_addr.s6_addr;
        out[2] = ntohs(a->sin6_port);
        out[3] = 6;
        for (int i = 0; i < 4; i++) {
            out[4 + i] = (jint) ((unsigned) b[4 * i] << 24 | (unsigned) b[4 * i + 1] << 16
                                 | (unsigned) b[4 * i + 2] << 8 | b[4 * i + 3]);
        }
    }
    (*env)->SetIntArrayRegion(env, meta, 0, 8, out);
    return (jint) n;
}
