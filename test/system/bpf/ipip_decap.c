// IP-in-IP decapsulation without the ipip module: a tc ingress classifier (direct action) for a
// real server's interface. An IPv4 packet of protocol 4 (IP-in-IP) whose inner packet is IPv4
// loses its outer header (bpf_skb_adjust_room, BPF_ADJ_ROOM_MAC), so the kernel's stack sees the
// inner packet (client -> VIP) as if it had arrived on the interface, and answers it from the
// VIP through its own gateway: what `ip tunnel add ... mode ipip` does on the seed's server.
// Everything else passes unchanged.
//
// Built at test time: clang -O2 -g -target bpf -c ipip_decap.c -o ipip_decap.o
// Attached:           tc qdisc add dev IF clsact
//                     tc filter add dev IF ingress bpf da obj ipip_decap.o sec tc

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif

SEC("tc")
int ipip_decap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *outer, *inner;
	__u32 outer_len;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end)
		return TC_ACT_OK;
	if (outer->protocol != IPPROTO_IPIP || outer->version != 4 || outer->ihl < 5)
		return TC_ACT_OK;
	/* a fragment of a tunnelled packet cannot be unwrapped alone */
	if (outer->frag_off & bpf_htons(0x3fff))
		return TC_ACT_OK;
	outer_len = outer->ihl * 4;
	if (outer_len > 60)
		return TC_ACT_OK;
	inner = (void *)outer + outer_len;
	if ((void *)(inner + 1) > data_end)
		return TC_ACT_OK;
	if (inner->version != 4)
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, -(__s32)outer_len, BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
