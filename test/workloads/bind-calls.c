// Test workload: bind() calls whose outcome is known, in a network namespace of its own
// (unshare(CLONE_NEWNET), lo up), for bindsnoop's tests.
//   bind-calls PORT
// Binds, in this order (ports PORT..PORT+6):
//   0 TCP 127.0.0.1:PORT     SO_REUSEADDR
//   1 UDP 0.0.0.0:PORT+1     SO_REUSEPORT
//   2 TCP [::1]:PORT+2       IPV6_FREEBIND
//   3 TCP 127.0.0.1:PORT+3   IP_TRANSPARENT
//   4 TCP 127.0.0.1:0        IP_BIND_ADDRESS_NO_PORT (the port stays 0 until connect)
//   5 UDP [::1]:PORT+5       SO_BINDTODEVICE lo
//   6 TCP 127.0.0.1:PORT     no option: fails, EADDRINUSE (socket 0 holds it)
//   7 TCP 127.0.0.1:0        the kernel picks the port
// and prints, per bind, what the process itself knows:
//   bind I RET PORT FAMILY PROTO IFINDEX     (RET: 0 or -errno; PORT from getsockname())
// after `pid PID`. Sockets stay open until the end.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr)) die("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr)) die("SIOCSIFFLAGS");
  close(s);
}

struct spec {
  int family, type, level, opt, port_off; /* level -1: no option */
  const char *addr; /* NULL: any */
};

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bind-calls PORT\n");
    return 2;
  }
  int port = atoi(argv[1]);
  if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
  lo_up();
  const struct spec specs[] = {
      {AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, 0, "127.0.0.1"},
      {AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_REUSEPORT, 1, NULL},
      {AF_INET6, SOCK_STREAM, SOL_IPV6, IPV6_FREEBIND, 2, "::1"},
      {AF_INET, SOCK_STREAM, SOL_IP, IP_TRANSPARENT, 3, "127.0.0.1"},
      {AF_INET, SOCK_STREAM, SOL_IP, IP_BIND_ADDRESS_NO_PORT, -1, "127.0.0.1"},
      {AF_INET6, SOCK_DGRAM, SOL_SOCKET, SO_BINDTODEVICE, 5, "::1"},
      {AF_INET, SOCK_STREAM, -1, 0, 0, "127.0.0.1"},
      {AF_INET, SOCK_STREAM, -1, 0, -1, "127.0.0.1"},
  };
  printf("pid %d\n", getpid());
  for (int i = 0; i < (int)(sizeof specs / sizeof specs[0]); i++) {
    const struct spec *s = &specs[i];
    int fd = socket(s->family, s->type, 0), one = 1;
    if (fd < 0) die("socket");
    if (s->opt == SO_BINDTODEVICE && s->level == SOL_SOCKET) {
      if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3)) die("SO_BINDTODEVICE");
    } else if (s->level != -1 && setsockopt(fd, s->level, s->opt, &one, sizeof one))
      die("setsockopt");
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int p = s->port_off < 0 ? 0 : port + s->port_off;
    if (s->family == AF_INET) {
      struct sockaddr_in *a = (struct sockaddr_in *)&ss;
      a->sin_family = AF_INET;
      a->sin_port = htons(p);
      a->sin_addr.s_addr = s->addr ? inet_addr(s->addr) : htonl(INADDR_ANY);
      len = sizeof *a;
    } else {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(p);
      inet_pton(AF_INET6, s->addr, &a->sin6_addr);
      len = sizeof *a;
    }
    int ret = bind(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
    struct sockaddr_storage got = {0};
    socklen_t gl = sizeof got;
    getsockname(fd, (struct sockaddr *)&got, &gl);
    int gport = ntohs(((struct sockaddr_in *)&got)->sin_port); /* same offset in sin6 */
    int ifindex = s->opt == SO_BINDTODEVICE && s->level == SOL_SOCKET ? (int)if_nametoindex("lo") : 0;
    printf("bind %d %d %d %d %s %d\n", i, ret, gport, s->family == AF_INET ? 4 : 6,
           s->type == SOCK_STREAM ? "TCP" : "UDP", ifindex);
  }
  fflush(stdout);
  return 0;
}
