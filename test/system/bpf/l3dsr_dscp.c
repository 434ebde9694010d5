// l3dsr-dscp on a real server: a tc ingress classifier (direct action) that restores the VIP.
// The appliance sends the client's packet to the real's RIP (ports unchanged) with the service's
// DSCP; an IPv4 packet to this server's RIP whose DSCP is the service's gets the VIP back as its
// destination, with the IP header checksum and the TCP/UDP checksum (its pseudo-header covers
// the destination) updated incrementally. The kernel's stack then sees client -> VIP, delivers it
// to the socket (the VIP is on lo) and answers from the VIP through its own gateway: direct
// server return across routers. The DSCP is left as it is. Everything else passes unchanged
// (health checks to the RIP carry no DSCP).
//
// The DSCP, the RIP and the VIP are compile-time constants (host order):
//   clang -O2 -g -target bpf -DDSCP=10 -DRIP=0xc0a8d396 -DVIP=0xc0a8c132 -c l3dsr_dscp.c -o l3dsr_dscp.o
// Attached:
//   tc qdisc add dev IF clsact
//   tc filter add dev IF ingress bpf da obj l3dsr_dscp.o sec tc

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#if !defined(DSCP) || !defined(RIP) || !defined(VIP)
#error "compile with -DDSCP=N -DRIP=0x... -DVIP=0x... (addresses in host order)"
#endif

#define IP_OFF ETH_HLEN

SEC("tc")
int l3dsr_dscp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u32 old_dst, new_dst = bpf_htonl(VIP);
	__u32 l4_off, csum_off = 0, csum_flags = 0;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (ip->version != 4 || ip->ihl < 5)
		return TC_ACT_OK;
	if ((ip->tos >> 2) != DSCP || ip->daddr != bpf_htonl(RIP))
		return TC_ACT_OK;
	old_dst = ip->daddr;
	l4_off = IP_OFF + ip->ihl * 4;
	/* A non-first fragment has no L4 header; the first one carries the datagram's checksum. */
	if (!(ip->frag_off & bpf_htons(0x1fff))) {
		if (ip->protocol == IPPROTO_TCP) {
			csum_off = l4_off + offsetof(struct tcphdr, check);
		} else if (ip->protocol == IPPROTO_UDP) {
			csum_off = l4_off + offsetof(struct udphdr, check);
			/* UDP checksum 0 means none: leave it 0 (and never make it 0) */
			csum_flags = BPF_F_MARK_MANGLED_0;
		}
	}
	/* The helpers below may move the data: no packet pointer is used after them. */
	if (csum_off && bpf_l4_csum_replace(skb, csum_off, old_dst, new_dst, BPF_F_PSEUDO_HDR | csum_flags | sizeof(new_dst)))
		return TC_ACT_SHOT;
	if (bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), old_dst, new_dst, sizeof(new_dst)))
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, daddr), &new_dst, sizeof(new_dst), 0))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
