// Shared by the workloads that run over the loopback of a network namespace of their
// own (tcp-conns, tcp-rtt, udp-dgrams): the address family chosen on the command line, a loopback
// address of it with a port, bringing `lo` up after unshare(CLONE_NEWNET), and dying
// with perror's line.
#ifndef TSNAP_WORKLOAD_LOOPBACK_NS_H
#define TSNAP_WORKLOAD_LOOPBACK_NS_H
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* AF_INET or AF_INET6: the family of every address addr() makes. */
static int family;

/* The loopback address of `family` (127.0.0.1 or ::1) with `port`; returns its length. */
static socklen_t addr(struct sockaddr_storage *ss, int port) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof *a;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  a->sin6_addr = in6addr_loopback;
  return sizeof *a;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* A new network namespace starts with lo down. */
static void lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr)) die("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr)) die("SIOCSIFFLAGS");
  close(s);
}
#endif
