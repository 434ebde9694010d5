// Established-flow offload: an XDP program on each offloaded Linux port, holding a flow table
// that pask fills (src/offload/) for established sessions of dsr, l3dsr-iptunnel, l3dsr-dscp and
// nat. A packet of such a flow is rewritten or encapsulated here and sent on (XDP_TX back out of
// the port it came in on, else bpf_redirect to the egress port); anything else — a miss, a TCP
// SYN/FIN/RST, a packet with IP options or a VLAN tag, one not addressed to the appliance's MAC,
// one too big for the egress MTU once encapsulated — goes up to pask as before (XDP_PASS).
//
// XDP, not tc: the kernel hands packet sockets (pask's AF_PACKET port) their copy before tc
// ingress runs (__netif_receive_skb_core: taps, then sch_handle_ingress), so only XDP keeps an
// offloaded packet from reaching pask at all.
//
// Per flow the program counts packets and bytes (the IPv4 total length, as the engine's session
// counters do) and stamps the last time it saw one (bpf_ktime_get_ns, CLOCK_MONOTONIC); pask
// reads them back, so `show entry` and the session timeouts stay right.
//
// Built at set-up (scripts/setup.sh):
//   clang -O2 -g -target bpf -c native/pask_offload.bpf.c -o build/pask_offload.bpf.o
// The layouts of flow_key and flow_val are mirrored in src/offload/flow-codec.ts.

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif

enum {
	ACT_DSR = 1,   /* MACs only */
	ACT_IPIP = 2,  /* IP-in-IP to `addr` from `outer_src` */
	ACT_DSCP = 3,  /* destination -> `addr`, DSCP -> `dscp` */
	ACT_DNAT = 4,  /* destination -> `addr`:`port` (nat, client -> real) */
	ACT_SNAT = 5,  /* source -> `addr`:`port` (nat, real -> client) */
};

struct flow_key {
	__u32 saddr;      /* network order, as in the packet */
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u32 ifindex;    /* ingress port */
	__u8 proto;
	__u8 pad[3];
};

struct flow_val {
	__u8 action;
	__u8 dscp;
	__u16 port;       /* network order */
	__u32 addr;       /* network order */
	__u32 outer_src;  /* network order */
	__u32 out_ifindex;
	__u8 dmac[6];     /* the next hop's */
	__u8 smac[6];     /* the appliance's: also what the packet must be addressed to */
	__u16 mtu;        /* ACT_IPIP: the egress MTU */
	__u16 pad;
	__u64 packets;
	__u64 bytes;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flows SEC(".maps");

static __always_inline __u16 fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline void ip_checksum(struct iphdr *ip)
{
	__u16 *w = (__u16 *)ip;
	__u32 s = 0;
	ip->check = 0;
#pragma unroll
	for (int i = 0; i < 10; i++)
		s += w[i];
	ip->check = ~fold(s);
}

/* RFC 1624: a checksum after a 32-bit field went from `from` to `to`. */
static __always_inline void csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	__u32 s = (__u16)~*sum;
	s += (__u16)~(from & 0xffff) + (__u16)~(from >> 16);
	s += (to & 0xffff) + (to >> 16);
	*sum = ~fold(s);
}

static __always_inline void csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	__u32 s = (__u16)~*sum;
	s += (__u16)~from;
	s += to;
	*sum = ~fold(s);
}

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] && a[5] == b[5];
}

static __always_inline void set_macs(struct ethhdr *eth, const struct flow_val *v)
{
	__builtin_memcpy(eth->h_dest, v->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, v->smac, ETH_ALEN);
}

SEC("xdp")
int pask_offload(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct flow_key k = {};
	struct flow_val *v;
	__u16 *l4sum = 0;
	__u16 *sport, *dport;
	__u32 tot;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl != 5)
		return XDP_PASS;
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_PASS;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < sizeof(*ip) || (void *)ip + tot > data_end)
		return XDP_PASS;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(ip + 1);
		if ((void *)(th + 1) > data_end)
			return XDP_PASS;
		/* the engine follows the connection's state: SYN, FIN and RST go up */
		if (th->syn || th->fin || th->rst)
			return XDP_PASS;
		sport = &th->source;
		dport = &th->dest;
		l4sum = &th->check;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(ip + 1);
		if ((void *)(uh + 1) > data_end)
			return XDP_PASS;
		sport = &uh->source;
		dport = &uh->dest;
		if (uh->check)
			l4sum = &uh->check;
	} else {
		return XDP_PASS;
	}
	k.saddr = ip->saddr;
	k.daddr = ip->daddr;
	k.sport = *sport;
	k.dport = *dport;
	k.ifindex = ctx->ingress_ifindex;
	k.proto = ip->protocol;
	v = bpf_map_lookup_elem(&flows, &k);
	if (!v)
		return XDP_PASS;
	if (!mac_eq(eth->h_dest, v->smac))
		return XDP_PASS;
	if (v->action == ACT_IPIP && tot + sizeof(*ip) > v->mtu)
		return XDP_PASS; /* the engine answers frag-needed or fragments */

	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, tot);
	v->last_ns = bpf_ktime_get_ns();

	switch (v->action) {
	case ACT_DSR:
		set_macs(eth, v);
		break;
	case ACT_DSCP: {
		__u32 old = ip->daddr;
		ip->daddr = v->addr;
		ip->tos = (v->dscp << 2) | (ip->tos & 3);
		ip_checksum(ip);
		if (l4sum)
			csum_replace4(l4sum, old, v->addr);
		set_macs(eth, v);
		break;
	}
	case ACT_DNAT: {
		__u32 old = ip->daddr;
		__u16 oldp = *dport;
		ip->daddr = v->addr;
		ip_checksum(ip);
		if (l4sum) {
			csum_replace4(l4sum, old, v->addr);
			if (v->port)
				csum_replace2(l4sum, oldp, v->port);
		}
		if (v->port)
			*dport = v->port;
		set_macs(eth, v);
		break;
	}
	case ACT_SNAT: {
		__u32 old = ip->saddr;
		__u16 oldp = *sport;
		ip->saddr = v->addr;
		ip_checksum(ip);
		if (l4sum) {
			csum_replace4(l4sum, old, v->addr);
			csum_replace2(l4sum, oldp, v->port);
		}
		*sport = v->port;
		set_macs(eth, v);
		break;
	}
	case ACT_IPIP: {
		__u8 tos = ip->tos;
		__u16 df = ip->frag_off & bpf_htons(0x4000);
		struct ethhdr *neth;
		struct iphdr *outer;

		if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
			return XDP_PASS;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		neth = data;
		outer = (void *)(neth + 1);
		if ((void *)(outer + 1) > data_end)
			return XDP_DROP;
		set_macs(neth, v);
		neth->h_proto = bpf_htons(ETH_P_IP);
		outer->version = 4;
		outer->ihl = 5;
		outer->tos = tos;
		outer->tot_len = bpf_htons(tot + sizeof(*outer));
		outer->id = (__u16)bpf_get_prandom_u32();
		outer->frag_off = df;
		outer->ttl = 64;
		outer->protocol = IPPROTO_IPIP;
		outer->saddr = v->outer_src;
		outer->daddr = v->addr;
		ip_checksum(outer);
		break;
	}
	default:
		return XDP_PASS;
	}
	if (v->out_ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(v->out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
