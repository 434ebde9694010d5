// pask_port: the native half of pask's Linux port backend (src/ports/linux/).
//
// One AF_PACKET socket bound to one interface (ETH_P_ALL, promiscuous through
// PACKET_ADD_MEMBERSHIP, PACKET_IGNORE_OUTGOING), receiving through a TPACKET_V2 frame ring
// and transmitting with sendmmsg.
//
//  - Receive: a uv_poll_t on the socket (level-triggered, on the main loop: no thread). Each
//    wake-up copies at most `rxSlots` frames out of the ring into fixed-size slots of one
//    ArrayBuffer that JS owns views on, gives the ring frames back to the kernel, then makes ONE
//    call into JS with the frame count. The ring is TPACKET_V2 (fixed-size frames), not V3:
//    the kernel hands each frame over (TP_STATUS_USER) and wakes the reader as it arrives,
//    where V3 wakes it only when a block fills or times out (>= 1 ms, which every frame
//    waited at low load). Under load the frames queue up in the ring meanwhile and a wake-up
//    takes a whole batch of them. If more frames wait, the poll fires again on the next
//    loop iteration, after timers and other I/O: a flood cannot starve the event loop, and what
//    the kernel could not queue meanwhile is counted (PACKET_STATISTICS).
//  - VLAN: the kernel strips the outer 802.1Q/802.1ad tag before packet sockets see a frame; it
//    is put back from tp_vlan_tci/tp_vlan_tpid, so JS sees the frame as it was on the wire.
//  - Checksums: a frame the local stack sent with checksum offload (a veth peer, a tap) arrives
//    with TP_STATUS_CSUMNOTREADY and only a partial TCP/UDP checksum; it is completed here so the
//    appliance never forwards a frame with a wrong checksum.
//  - Transmit: JS writes frames into fixed-size slots of a second ArrayBuffer; flush() sends
//    them with sendmmsg(MSG_DONTWAIT). A full socket buffer is counted as drops, never waited on.
//  - Bad input never crashes: lengths are checked against the slots, errors are counted and the
//    last errno kept; exceptions thrown by the JS callback are caught and counted.

#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef TP_STATUS_VLAN_TPID_VALID
#define TP_STATUS_VLAN_TPID_VALID (1 << 6)
#endif

typedef struct {
  double rx_packets, rx_bytes, rx_batches, rx_max_batch;
  double rx_oversize, rx_truncated, rx_runts, rx_vlan_restored, rx_csum_fixed, rx_outgoing;
  double rx_errors, rx_cb_errors;
  double tx_packets, tx_bytes, tx_flushes, tx_drops, tx_errors;
  double k_packets, k_drops, k_freezes;
  int last_rx_errno, last_tx_errno;
} counters_t;

typedef struct port {
  napi_env env;
  int fd;
  int ifindex;
  int closed;
  char ifname[IF_NAMESIZE];

  // The TPACKET_V2 ring (frame_nr frames of frame_size bytes, frames_per_block per block of
  // block_size bytes) and the next frame the reader takes.
  uint8_t* ring;
  size_t ring_len;
  uint32_t block_size, block_nr, frame_size, frame_nr, frames_per_block, cur_frame;

  // Delivery slots (JS-visible ArrayBuffers, kept alive by the references).
  uint8_t* rx_data;
  uint32_t* rx_lens;
  uint32_t rx_slots, rx_slot_size;
  uint8_t* tx_data;
  uint32_t* tx_lens;
  uint32_t tx_slots, tx_slot_size;
  napi_ref rx_data_ref, rx_lens_ref, tx_data_ref, tx_lens_ref;
  struct mmsghdr* mmsg;
  struct iovec* iov;

  // Receive callback.
  uv_poll_t* poll;
  int polling;

  // Receive coalescing under load (see on_poll): a timerfd polled instead of the socket.
  int tfd;
  uv_poll_t* tpoll;
  int coalescing;          // the socket poll is stopped, the timer armed
  uint64_t last_wake_ns;   // when the socket last woke us with frames
  uint32_t coalesce_ns;    // 0: never coalesce
  napi_ref cb_ref, resource_ref;
  napi_async_context async_ctx;

  int in_cb;            // inside the JS callback: close() defers releasing the callback
  int filter_outgoing;  // PACKET_IGNORE_OUTGOING unavailable: drop PACKET_OUTGOING here
  int fix_csum;

  // Offloads turned off at open, restored at close (-1: untouched).
  int saved_gro, saved_lro_flags;

  counters_t c;
} port_t;

// ------------------------------------------------------------------------------ helpers

#define CHECK_NAPI(env, call)                                            \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      const napi_extended_error_info* info_;                             \
      napi_get_last_error_info((env), &info_);                           \
      bool pending_;                                                     \
      napi_is_exception_pending((env), &pending_);                       \
      if (!pending_)                                                     \
        napi_throw_error((env), "EINTERNAL",                             \
                         info_ && info_->error_message ? info_->error_message : "node-api call failed"); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char* what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char* code = uv_err_name(-err);
  napi_throw_error(env, code, msg);
  return NULL;
}

static int get_opt_u32(napi_env env, napi_value obj, const char* key, uint32_t def, uint32_t* out) {
  bool has = false;
  *out = def;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return 0;
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return -1;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_undefined) return 0;
  if (t == napi_boolean) {
    bool b;
    napi_get_value_bool(env, v, &b);
    *out = b ? 1 : 0;
    return 0;
  }
  if (t != napi_number) return -1;
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d >= 0 && d <= 4294967295.0)) return -1;
  *out = (uint32_t)d;
  return 0;
}

static port_t* get_port(napi_env env, napi_value v) {
  void* data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "EINVAL", "not a port handle");
    return NULL;
  }
  return (port_t*)data;
}

static void ifr_init(struct ifreq* ifr, const char* ifname) {
  memset(ifr, 0, sizeof *ifr);
  memcpy(ifr->ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
}

static inline uint16_t rd16(const uint8_t* p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline void wr16(uint8_t* p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static uint64_t csum_add(uint64_t sum, const uint8_t* d, size_t n) {
  while (n > 1) {
    sum += (uint32_t)((d[0] << 8) | d[1]);
    d += 2;
    n -= 2;
  }
  if (n) sum += (uint32_t)(d[0] << 8);
  return sum;
}

static uint16_t csum_fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)(~sum & 0xffff);
}

// Completes the TCP/UDP checksum of a frame the local stack left CHECKSUM_PARTIAL.
// Returns 1 if a checksum was written.
static int fix_l4_checksum(uint8_t* f, uint32_t len) {
  uint32_t off = 12;
  if (len < 14) return 0;
  uint16_t et = rd16(f + off);
  while ((et == 0x8100 || et == 0x88a8 || et == 0x9100) && off + 6 <= len) {
    off += 4;
    et = rd16(f + off);
  }
  uint32_t l3 = off + 2, l4, l4len;
  uint8_t proto;
  uint64_t sum = 0;
  if (et == 0x0800) {
    if (l3 + 20 > len || (f[l3] >> 4) != 4) return 0;
    uint32_t ihl = (uint32_t)(f[l3] & 0x0f) * 4, tot = rd16(f + l3 + 2);
    if (ihl < 20 || tot < ihl || l3 + tot > len) return 0;
    if (rd16(f + l3 + 6) & 0x3fff) return 0;  // a fragment
    proto = f[l3 + 9];
    l4 = l3 + ihl;
    l4len = tot - ihl;
    sum = csum_add(sum, f + l3 + 12, 8);
  } else if (et == 0x86dd) {
    if (l3 + 40 > len || (f[l3] >> 4) != 6) return 0;
    uint32_t plen = rd16(f + l3 + 4);
    if (l3 + 40 + plen > len) return 0;
    proto = f[l3 + 6];
    l4 = l3 + 40;
    for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60); i++) {
      if (l4 + 8 > l3 + 40 + plen) return 0;
      proto = f[l4];
      l4 += ((uint32_t)f[l4 + 1] + 1) * 8;
    }
    if (l4 > l3 + 40 + plen) return 0;
    l4len = l3 + 40 + plen - l4;
    sum = csum_add(sum, f + l3 + 8, 32);
    sum += l4len >> 16;
  } else {
    return 0;
  }
  uint32_t coff;
  if (proto == 6 && l4len >= 20) coff = 16;
  else if (proto == 17 && l4len >= 8) coff = 6;
  else return 0;
  sum += proto;
  sum += l4len & 0xffff;
  wr16(f + l4 + coff, 0);
  sum = csum_add(sum, f + l4, l4len);
  uint16_t c = csum_fold(sum);
  if (proto == 17 && c == 0) c = 0xffff;
  wr16(f + l4 + coff, c);
  return 1;
}

static void read_kernel_stats(port_t* p) {
  if (p->fd < 0) return;
  struct tpacket_stats st;
  socklen_t l = sizeof st;
  memset(&st, 0, sizeof st);
  if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &l) == 0) {
    p->c.k_packets += st.tp_packets;
    p->c.k_drops += st.tp_drops;
  }
}

static int ethtool_get(int fd, const char* ifname, uint32_t cmd, uint32_t* out) {
  struct ethtool_value ev = {.cmd = cmd, .data = 0};
  struct ifreq ifr;
  ifr_init(&ifr, ifname);
  ifr.ifr_data = (void*)&ev;
  if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) return -1;
  *out = ev.data;
  return 0;
}

static int ethtool_set(int fd, const char* ifname, uint32_t cmd, uint32_t val) {
  struct ethtool_value ev = {.cmd = cmd, .data = val};
  struct ifreq ifr;
  ifr_init(&ifr, ifname);
  ifr.ifr_data = (void*)&ev;
  return ioctl(fd, SIOCETHTOOL, &ifr);
}

// GRO/LRO glue received frames into super-frames larger than the MTU, which the appliance
// could neither forward (EMSGSIZE) nor account for per packet: turn them off while we own the
// interface.
static void disable_offloads(port_t* p) {
  uint32_t v;
  if (ethtool_get(p->fd, p->ifname, ETHTOOL_GGRO, &v) == 0 && v) {
    if (ethtool_set(p->fd, p->ifname, ETHTOOL_SGRO, 0) == 0) p->saved_gro = (int)v;
  }
  if (ethtool_get(p->fd, p->ifname, ETHTOOL_GFLAGS, &v) == 0 && (v & ETH_FLAG_LRO)) {
    if (ethtool_set(p->fd, p->ifname, ETHTOOL_SFLAGS, v & ~(uint32_t)ETH_FLAG_LRO) == 0) p->saved_lro_flags = (int)v;
  }
}

static void restore_offloads(port_t* p) {
  if (p->fd < 0) return;
  if (p->saved_gro >= 0) ethtool_set(p->fd, p->ifname, ETHTOOL_SGRO, (uint32_t)p->saved_gro);
  if (p->saved_lro_flags >= 0) {
    uint32_t v;
    if (ethtool_get(p->fd, p->ifname, ETHTOOL_GFLAGS, &v) == 0)
      ethtool_set(p->fd, p->ifname, ETHTOOL_SFLAGS, v | ETH_FLAG_LRO);
  }
  p->saved_gro = p->saved_lro_flags = -1;
}

// ------------------------------------------------------------------------------ receive

// Copies one ring frame into rx slot `slot`. Returns 1 if delivered, 0 if dropped (counted).
static int take_frame(port_t* p, const uint8_t* frame_end, struct tpacket2_hdr* h, uint32_t slot) {
  uint32_t st = h->tp_status;
  uint32_t snap = h->tp_snaplen;
  const uint8_t* src = (const uint8_t*)h + h->tp_mac;
  if (p->filter_outgoing) {
    const struct sockaddr_ll* sll = (const struct sockaddr_ll*)((const uint8_t*)h + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
    if (sll->sll_pkttype == PACKET_OUTGOING) {
      p->c.rx_outgoing++;
      return 0;
    }
  }
  int tagged = (st & TP_STATUS_VLAN_VALID) != 0;
  if ((uint64_t)h->tp_len + (tagged ? 4 : 0) > p->rx_slot_size) {  // the ring frame is sized to a slot: the kernel cut it
    p->c.rx_oversize++;
    return 0;
  }
  if (snap < h->tp_len) {
    p->c.rx_truncated++;
    return 0;
  }
  if (src + snap > frame_end) {  // cannot happen with a sane kernel
    p->c.rx_errors++;
    return 0;
  }
  if (snap < 12 || (!tagged && snap < 14)) {
    p->c.rx_runts++;
    return 0;
  }
  uint32_t out = snap + (tagged ? 4 : 0);
  if (out > p->rx_slot_size) {
    p->c.rx_oversize++;
    return 0;
  }
  uint8_t* dst = p->rx_data + (size_t)slot * p->rx_slot_size;
  if (tagged) {
    uint16_t tpid = (st & TP_STATUS_VLAN_TPID_VALID) && h->tp_vlan_tpid ? h->tp_vlan_tpid : 0x8100;
    memcpy(dst, src, 12);
    wr16(dst + 12, tpid);
    wr16(dst + 14, (uint16_t)h->tp_vlan_tci);
    memcpy(dst + 16, src + 12, snap - 12);
    p->c.rx_vlan_restored++;
  } else {
    memcpy(dst, src, snap);
  }
  if ((st & TP_STATUS_CSUMNOTREADY) && p->fix_csum && fix_l4_checksum(dst, out)) p->c.rx_csum_fixed++;
  p->rx_lens[slot] = out;
  p->c.rx_packets++;
  p->c.rx_bytes += out;
  return 1;
}

static inline struct tpacket2_hdr* ring_frame(port_t* p, uint32_t i) {
  return (struct tpacket2_hdr*)(p->ring + (size_t)(i / p->frames_per_block) * p->block_size +
                                (size_t)(i % p->frames_per_block) * p->frame_size);
}

// Fills up to rx_slots slots from the ring, giving each frame back to the kernel once copied.
// Frames that are not delivered (skipped, dropped) count against a budget too, so one wake-up
// does bounded work whatever arrives.
static uint32_t drain(port_t* p) {
  uint32_t n = 0, seen = 0, budget = p->rx_slots * 4;
  while (n < p->rx_slots && seen < budget) {
    struct tpacket2_hdr* h = ring_frame(p, p->cur_frame);
    uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
    if (!(status & TP_STATUS_USER)) break;
    const uint8_t* end = (const uint8_t*)h + p->frame_size;
    if (h->tp_mac > p->frame_size) {  // malformed frame: give it back
      p->c.rx_errors++;
    } else {
      n += (uint32_t)take_frame(p, end, h, n);
    }
    seen++;
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    p->cur_frame = p->cur_frame + 1 == p->frame_nr ? 0 : p->cur_frame + 1;
  }
  return n;
}

static void on_poll(uv_poll_t* handle, int status, int events);
static void release_js(port_t* p);

static uint32_t deliver(port_t* p) {
  uint32_t n = drain(p);
  if (n == 0 || p->cb_ref == NULL) return n;
  p->c.rx_batches++;
  if (n > p->c.rx_max_batch) p->c.rx_max_batch = n;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return n;
  napi_value cb, recv, argv[1], result;
  if (napi_get_reference_value(env, p->cb_ref, &cb) == napi_ok && cb != NULL &&
      napi_get_reference_value(env, p->resource_ref, &recv) == napi_ok && recv != NULL &&
      napi_create_uint32(env, n, &argv[0]) == napi_ok) {
    p->in_cb = 1;
    napi_status s = napi_make_callback(env, p->async_ctx, recv, cb, 1, argv, &result);
    p->in_cb = 0;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (s != napi_ok || pending) {
      p->c.rx_cb_errors++;
      napi_value e;
      if (pending) napi_get_and_clear_last_exception(env, &e);
    }
  }
  napi_close_handle_scope(env, scope);
  if (p->closed) release_js(p);  // closed from inside the callback
  return n;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_timer(uv_poll_t* handle, int status, int events);

// Leaves coalescing: disarms the timer and polls the socket again (level-triggered, so frames
// that arrived meanwhile wake us at once).
static void stop_coalescing(port_t* p) {
  if (!p->coalescing) return;
  p->coalescing = 0;
  if (p->tpoll != NULL) uv_poll_stop(p->tpoll);
  if (p->tfd >= 0) {
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    timerfd_settime(p->tfd, 0, &its, NULL);
  }
  if (!p->closed && p->polling && p->poll != NULL) uv_poll_start(p->poll, UV_READABLE, on_poll);
}

static int arm_timer(port_t* p, uint32_t ns) {
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_nsec = ns;
  return timerfd_settime(p->tfd, 0, &its, NULL);
}

// Enters coalescing: stops polling the socket (so the kernel stops waking us per frame) and
// reads the ring when the timer fires instead.
static void start_coalescing(port_t* p) {
  if (p->coalescing || p->tfd < 0 || p->tpoll == NULL || p->closed || !p->polling) return;
  if (arm_timer(p, p->coalesce_ns) < 0) return;
  if (uv_poll_start(p->tpoll, UV_READABLE, on_timer) < 0) return;
  uv_poll_stop(p->poll);
  p->coalescing = 1;
}

static void on_timer(uv_poll_t* handle, int status, int events) {
  (void)events;
  (void)status;
  port_t* p = (port_t*)handle->data;
  if (p == NULL || p->closed || !p->coalescing) return;
  uint64_t ticks;
  while (read(p->tfd, &ticks, sizeof ticks) < 0 && errno == EINTR) {
  }
  uint32_t n = deliver(p);
  if (p->closed || !p->polling || !p->coalescing) return;
  // Still busy: read the ring again after the interval, or on the next loop turn if more wait
  // than a batch holds (other I/O and timers run in between). Idle (nothing came in an
  // interval): back to the socket.
  if (n == 0 || arm_timer(p, n >= p->rx_slots ? 1 : p->coalesce_ns) < 0) stop_coalescing(p);
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  (void)events;
  port_t* p = (port_t*)handle->data;
  if (p == NULL || p->closed) return;
  if (status < 0) {
    // An error on the socket (ENETDOWN when the link goes down, or the interface went away):
    // libuv stops the poll; read and clear the error and keep listening, so the port comes
    // back by itself when the link does.
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    p->c.rx_errors++;
    p->c.last_rx_errno = err ? err : ENETDOWN;
    if (p->polling) uv_poll_start(handle, UV_READABLE, on_poll);
    return;
  }
  uint32_t n = deliver(p);
  if (n == 0 || p->closed || !p->polling || p->coalesce_ns == 0) return;
  // The ring wakes us per frame: cheap at low load, where it keeps latency low, but at a high
  // rate it would cost a wake-up (and an event-loop turn) per frame or two. So when frames keep
  // coming (the previous wake-up was less than an interval ago) and the ring is drained, stop
  // polling the socket and read the ring every interval instead, which batches what arrived
  // meanwhile, until an interval passes without a frame.
  uint64_t t = now_ns();
  if (n < p->rx_slots && t - p->last_wake_ns < p->coalesce_ns) start_coalescing(p);
  p->last_wake_ns = t;
}

static void on_poll_closed(uv_handle_t* h) { free(h); }

// Drops the references to JS objects (callback, buffers) and the async context.
static void release_js(port_t* p) {
  napi_env env = p->env;
  napi_ref* refs[] = {&p->cb_ref, &p->resource_ref, &p->rx_data_ref, &p->rx_lens_ref, &p->tx_data_ref, &p->tx_lens_ref};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
    if (*refs[i] != NULL) napi_delete_reference(env, *refs[i]);
    *refs[i] = NULL;
  }
  if (p->async_ctx != NULL) napi_async_destroy(env, p->async_ctx);
  p->async_ctx = NULL;
}

static void close_timer(port_t* p) {
  if (p->tpoll != NULL) {
    uv_poll_stop(p->tpoll);
    p->tpoll->data = NULL;
    uv_close((uv_handle_t*)p->tpoll, on_poll_closed);
    p->tpoll = NULL;
  }
  p->coalescing = 0;
  if (p->tfd >= 0) close(p->tfd);
  p->tfd = -1;
}

static void port_close(port_t* p) {
  if (p->closed) return;
  p->closed = 1;
  if (p->poll != NULL) {
    uv_poll_stop(p->poll);
    p->poll->data = NULL;
    uv_close((uv_handle_t*)p->poll, on_poll_closed);
    p->poll = NULL;
  }
  close_timer(p);
  p->polling = 0;
  read_kernel_stats(p);
  restore_offloads(p);
  if (p->ring != NULL && p->ring != MAP_FAILED) munmap(p->ring, p->ring_len);
  p->ring = NULL;
  if (p->fd >= 0) close(p->fd);  // also leaves the promiscuous membership
  p->fd = -1;
  p->rx_data = p->tx_data = NULL;
  p->rx_lens = p->tx_lens = NULL;
  free(p->mmsg);
  free(p->iov);
  p->mmsg = NULL;
  p->iov = NULL;
  if (!p->in_cb) release_js(p);
}

static void env_cleanup(void* arg) {
  port_t* p = (port_t*)arg;
  // At environment teardown no JS may run; just release the kernel resources.
  if (!p->closed) {
    p->closed = 1;
    if (p->poll != NULL) {
      uv_poll_stop(p->poll);
      p->poll->data = NULL;
      uv_close((uv_handle_t*)p->poll, on_poll_closed);
      p->poll = NULL;
    }
    close_timer(p);
    restore_offloads(p);
    if (p->ring != NULL && p->ring != MAP_FAILED) munmap(p->ring, p->ring_len);
    p->ring = NULL;
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
  }
}

static void port_finalize(napi_env env, void* data, void* hint) {
  (void)hint;
  port_t* p = (port_t*)data;
  napi_remove_env_cleanup_hook(env, env_cleanup, p);
  port_close(p);
  free(p);
}

// ------------------------------------------------------------------------------ exported functions

// open(ifname, opts) -> { handle, rxData, rxLens, txData, txLens, ifindex, mtu, mac, ... }
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, "EINVAL", "open(ifname, options)");
    return NULL;
  }
  char ifname[IF_NAMESIZE + 1];
  size_t nlen = 0;
  napi_valuetype t;
  CHECK_NAPI(env, napi_typeof(env, argv[0], &t));
  if (t != napi_string) {
    napi_throw_type_error(env, "EINVAL", "interface name must be a string");
    return NULL;
  }
  CHECK_NAPI(env, napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &nlen));
  if (nlen == 0 || nlen >= IF_NAMESIZE || strchr(ifname, '/') != NULL) {
    napi_throw_error(env, "EINVAL", "invalid interface name");
    return NULL;
  }
  napi_value opts = NULL;
  if (argc >= 2) {
    CHECK_NAPI(env, napi_typeof(env, argv[1], &t));
    if (t == napi_object) opts = argv[1];
  }
  uint32_t rx_slots = 256, rx_slot_size = 0, tx_slots = 256, tx_slot_size = 0;
  uint32_t block_size = 1u << 18, block_nr = 32, tov = 1, promisc = 1, ign_out = 1, fix_csum = 1;
  uint32_t offloads_off = 1, qdisc_bypass = 0, sndbuf = 4u << 20, coalesce_us = 0;
  if (opts != NULL) {
    struct { const char* k; uint32_t* v; } o[] = {
        {"rxSlots", &rx_slots}, {"rxSlotSize", &rx_slot_size}, {"txSlots", &tx_slots},
        {"txSlotSize", &tx_slot_size}, {"blockSize", &block_size}, {"blockCount", &block_nr},
        {"blockTimeoutMs", &tov}, {"promiscuous", &promisc}, {"ignoreOutgoing", &ign_out},
        {"fixChecksums", &fix_csum}, {"disableOffloads", &offloads_off},
        {"qdiscBypass", &qdisc_bypass}, {"sndbuf", &sndbuf}, {"rxCoalesceUs", &coalesce_us}};
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
      if (get_opt_u32(env, opts, o[i].k, *o[i].v, o[i].v) != 0) {
        char m[96];
        snprintf(m, sizeof m, "invalid option %s", o[i].k);
        napi_throw_type_error(env, "EINVAL", m);
        return NULL;
      }
    }
  }
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  if (rx_slots < 1 || rx_slots > 65536 || tx_slots < 1 || tx_slots > 65536 || block_nr < 2 ||
      block_nr > 4096 || block_size < (uint32_t)page || block_size > (1u << 26) ||
      (block_size & (block_size - 1)) != 0 || tov < 1 || tov > 1000 || coalesce_us > 100000) {
    napi_throw_range_error(env, "EINVAL", "option out of range");
    return NULL;
  }

  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return throw_errno(env, errno == 0 ? ENODEV : errno, "interface");

  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);  // no protocol: nothing queued before bind
  if (fd < 0) return throw_errno(env, errno, "socket(AF_PACKET)");

  port_t* p = (port_t*)calloc(1, sizeof *p);
  if (p == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "open");
  }
  p->env = env;
  p->fd = fd;
  p->ifindex = (int)ifindex;
  p->saved_gro = p->saved_lro_flags = -1;
  p->tfd = -1;
  p->coalesce_ns = coalesce_us * 1000u;
  p->fix_csum = fix_csum != 0;
  memcpy(p->ifname, ifname, nlen + 1);
  const char* step = "";
  int err = 0;

  struct ifreq ifr;
  ifr_init(&ifr, ifname);
  if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) { step = "SIOCGIFMTU"; goto fail; }
  int mtu = ifr.ifr_mtu;
  ifr_init(&ifr, ifname);
  char mac[18] = "";
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
    const unsigned char* m = (const unsigned char*)ifr.ifr_hwaddr.sa_data;
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  }
  // A slot holds the largest frame the link carries plus two VLAN tags.
  uint32_t need = (uint32_t)(mtu > 0 ? mtu : 1500) + 14 + 8;
  need = (need + 63) & ~63u;
  if (rx_slot_size == 0) rx_slot_size = need;
  if (tx_slot_size == 0) tx_slot_size = need;
  if (rx_slot_size < 64 || rx_slot_size > (1u << 18) || tx_slot_size < 64 || tx_slot_size > (1u << 18) ||
      (uint64_t)rx_slots * rx_slot_size > (1u << 28) || (uint64_t)tx_slots * tx_slot_size > (1u << 28)) {
    port_close(p);
    free(p);
    napi_throw_range_error(env, "EINVAL", "slot sizes out of range");
    return NULL;
  }
  // A ring frame holds the TPACKET_V2 header, the sockaddr_ll, the kernel's alignment padding
  // before the MAC header, and a frame as large as a slot (the kernel strips the outer VLAN tag,
  // so what it stores is at most a slot).
  uint32_t frame_size = (uint32_t)TPACKET_ALIGN(TPACKET2_HDRLEN + 16 + rx_slot_size);
  while (block_size < frame_size && block_size < (1u << 26)) block_size <<= 1;  // a frame fits in a block
  (void)tov;  // blockTimeoutMs: a TPACKET_V3 setting, accepted (and range-checked) for compatibility

  int v = TPACKET_V2;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) { step = "PACKET_VERSION"; goto fail; }
  struct tpacket_req req;
  memset(&req, 0, sizeof req);
  req.tp_block_size = block_size;
  req.tp_block_nr = block_nr;
  req.tp_frame_size = frame_size;
  req.tp_frame_nr = (block_size / frame_size) * block_nr;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) { step = "PACKET_RX_RING"; goto fail; }
  p->block_size = block_size;
  p->block_nr = block_nr;
  p->frame_size = frame_size;
  p->frames_per_block = block_size / frame_size;
  p->frame_nr = req.tp_frame_nr;
  p->cur_frame = 0;
  p->ring_len = (size_t)block_size * block_nr;
  p->ring = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (p->ring == MAP_FAILED) { p->ring = NULL; step = "mmap"; goto fail; }

  if (ign_out) {
    v = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v, sizeof v) < 0) p->filter_outgoing = 1;
  }
  if (qdisc_bypass) {
    v = 1;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof v);
  }
  if (sndbuf > 0) {
    int sb = (int)(sndbuf > (1u << 30) ? (1u << 30) : sndbuf);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sb, sizeof sb) < 0)
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
  }

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)ifindex;
  if (bind(fd, (struct sockaddr*)&sll, sizeof sll) < 0) { step = "bind"; goto fail; }
  {
    // Binding to a link that is down succeeds but leaves ENETDOWN pending: clear it.
    int e = 0;
    socklen_t l = sizeof e;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
  }
  if (promisc) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = (int)ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) { step = "PACKET_ADD_MEMBERSHIP"; goto fail; }
  }
  if (offloads_off) disable_offloads(p);

  p->mmsg = (struct mmsghdr*)calloc(tx_slots, sizeof(struct mmsghdr));
  p->iov = (struct iovec*)calloc(tx_slots, sizeof(struct iovec));
  if (p->mmsg == NULL || p->iov == NULL) { errno = ENOMEM; step = "open"; goto fail; }

  {
    napi_value result, handle, ab_rx, ab_rxl, ab_tx, ab_txl, val;
    void* d;
    p->rx_slots = rx_slots;
    p->rx_slot_size = rx_slot_size;
    p->tx_slots = tx_slots;
    p->tx_slot_size = tx_slot_size;
    if (napi_create_arraybuffer(env, (size_t)rx_slots * rx_slot_size, &d, &ab_rx) != napi_ok) goto napi_fail;
    p->rx_data = d;
    if (napi_create_arraybuffer(env, (size_t)rx_slots * 4, &d, &ab_rxl) != napi_ok) goto napi_fail;
    p->rx_lens = d;
    if (napi_create_arraybuffer(env, (size_t)tx_slots * tx_slot_size, &d, &ab_tx) != napi_ok) goto napi_fail;
    p->tx_data = d;
    if (napi_create_arraybuffer(env, (size_t)tx_slots * 4, &d, &ab_txl) != napi_ok) goto napi_fail;
    p->tx_lens = d;
    if (napi_create_reference(env, ab_rx, 1, &p->rx_data_ref) != napi_ok ||
        napi_create_reference(env, ab_rxl, 1, &p->rx_lens_ref) != napi_ok ||
        napi_create_reference(env, ab_tx, 1, &p->tx_data_ref) != napi_ok ||
        napi_create_reference(env, ab_txl, 1, &p->tx_lens_ref) != napi_ok)
      goto napi_fail;
    for (uint32_t i = 0; i < tx_slots; i++) {
      p->iov[i].iov_base = p->tx_data + (size_t)i * tx_slot_size;
      p->mmsg[i].msg_hdr.msg_iov = &p->iov[i];
      p->mmsg[i].msg_hdr.msg_iovlen = 1;
    }
    if (napi_create_external(env, p, port_finalize, NULL, &handle) != napi_ok) goto napi_fail;
    napi_add_env_cleanup_hook(env, env_cleanup, p);
    // From here on the finalizer owns p.
    CHECK_NAPI(env, napi_create_object(env, &result));
    CHECK_NAPI(env, napi_set_named_property(env, result, "handle", handle));
    CHECK_NAPI(env, napi_set_named_property(env, result, "rxData", ab_rx));
    CHECK_NAPI(env, napi_set_named_property(env, result, "rxLens", ab_rxl));
    CHECK_NAPI(env, napi_set_named_property(env, result, "txData", ab_tx));
    CHECK_NAPI(env, napi_set_named_property(env, result, "txLens", ab_txl));
#define SETU(name, x)                                         \
  CHECK_NAPI(env, napi_create_uint32(env, (uint32_t)(x), &val)); \
  CHECK_NAPI(env, napi_set_named_property(env, result, name, val));
    SETU("ifindex", ifindex);
    SETU("mtu", mtu);
    SETU("rxSlots", rx_slots);
    SETU("rxSlotSize", rx_slot_size);
    SETU("txSlots", tx_slots);
    SETU("txSlotSize", tx_slot_size);
    SETU("blockSize", block_size);
    SETU("blockCount", block_nr);
    SETU("frameSize", p->frame_size);
    SETU("frameCount", p->frame_nr);
#undef SETU
    CHECK_NAPI(env, napi_create_string_utf8(env, mac, NAPI_AUTO_LENGTH, &val));
    CHECK_NAPI(env, napi_set_named_property(env, result, "mac", val));
    CHECK_NAPI(env, napi_get_boolean(env, !p->filter_outgoing, &val));
    CHECK_NAPI(env, napi_set_named_property(env, result, "kernelIgnoresOutgoing", val));
    return result;
  }

napi_fail:
  port_close(p);
  free(p);
  {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, "ENOMEM", "open: cannot allocate buffers");
  }
  return NULL;

fail:
  err = errno;
  port_close(p);
  free(p);
  return throw_errno(env, err, step);
}

// start(handle, callback(count)): delivers batches until stop() or close().
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "EINVAL", "start(handle, callback)");
    return NULL;
  }
  port_t* p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  napi_valuetype t;
  CHECK_NAPI(env, napi_typeof(env, argv[1], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, "EINVAL", "callback must be a function");
    return NULL;
  }
  if (p->closed) {
    napi_throw_error(env, "EBADF", "port is closed");
    return NULL;
  }
  if (p->cb_ref != NULL) napi_delete_reference(env, p->cb_ref);
  p->cb_ref = NULL;
  CHECK_NAPI(env, napi_create_reference(env, argv[1], 1, &p->cb_ref));
  if (p->async_ctx == NULL) {
    napi_value resource, name;
    CHECK_NAPI(env, napi_create_object(env, &resource));
    CHECK_NAPI(env, napi_create_string_utf8(env, "PaskLinuxPort", NAPI_AUTO_LENGTH, &name));
    CHECK_NAPI(env, napi_create_reference(env, resource, 1, &p->resource_ref));
    CHECK_NAPI(env, napi_async_init(env, resource, name, &p->async_ctx));
  }
  if (p->poll == NULL) {
    uv_loop_t* loop;
    CHECK_NAPI(env, napi_get_uv_event_loop(env, &loop));
    p->poll = (uv_poll_t*)calloc(1, sizeof(uv_poll_t));
    if (p->poll == NULL) return throw_errno(env, ENOMEM, "start");
    int r = uv_poll_init(loop, p->poll, p->fd);
    if (r < 0) {
      free(p->poll);
      p->poll = NULL;
      return throw_errno(env, -r, "uv_poll_init");
    }
    p->poll->data = p;
  }
  if (p->coalesce_ns != 0 && p->tpoll == NULL) {  // without it, no coalescing: not fatal
    uv_loop_t* loop;
    CHECK_NAPI(env, napi_get_uv_event_loop(env, &loop));
    if (p->tfd < 0) p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->tfd >= 0) {
      p->tpoll = (uv_poll_t*)calloc(1, sizeof(uv_poll_t));
      if (p->tpoll != NULL && uv_poll_init(loop, p->tpoll, p->tfd) == 0) {
        p->tpoll->data = p;
      } else {
        free(p->tpoll);
        p->tpoll = NULL;
      }
    }
  }
  if (p->coalescing) {  // start() again while coalescing: stays so, the timer is armed
    p->polling = 1;
    return NULL;
  }
  int r = uv_poll_start(p->poll, UV_READABLE, on_poll);
  if (r < 0) return throw_errno(env, -r, "uv_poll_start");
  p->polling = 1;
  return NULL;
}

// stop(handle): stops delivering (frames then wait in the ring, and past it are dropped).
static napi_value js_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  port_t* p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  if (p->poll != NULL && p->polling) uv_poll_stop(p->poll);
  p->polling = 0;
  stop_coalescing(p);  // does not restart the socket poll: polling is 0
  // Let go of the callback: it refers to the JS port, which holds this handle, and a strong
  // reference from here would keep a detached, forgotten port alive forever.
  if (p->cb_ref != NULL) napi_delete_reference(env, p->cb_ref);
  p->cb_ref = NULL;
  return NULL;
}

// flush(handle, count): sends tx slots [0, count); returns how many the kernel took.
static napi_value js_flush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "EINVAL", "flush(handle, count)");
    return NULL;
  }
  port_t* p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  uint32_t count = 0;
  if (napi_get_value_uint32(env, argv[1], &count) != napi_ok) count = 0;
  uint32_t sent = 0;
  if (p->closed) {
    p->c.tx_drops += count;
    CHECK_NAPI(env, napi_create_uint32(env, 0, &out));
    return out;
  }
  if (count > p->tx_slots) {
    p->c.tx_errors += count - p->tx_slots;
    count = p->tx_slots;
  }
  // Pack the valid slots into the message vector.
  uint32_t m = 0;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len = p->tx_lens[i];
    if (len < 14 || len > p->tx_slot_size) {
      p->c.tx_errors++;
      continue;
    }
    p->iov[m].iov_base = p->tx_data + (size_t)i * p->tx_slot_size;
    p->iov[m].iov_len = len;
    p->mmsg[m].msg_hdr.msg_iov = &p->iov[m];
    p->mmsg[m].msg_hdr.msg_iovlen = 1;
    m++;
  }
  if (m > 0) p->c.tx_flushes++;
  uint32_t i = 0;
  while (i < m) {
    int r = sendmmsg(p->fd, p->mmsg + i, m - i, MSG_DONTWAIT);
    if (r > 0) {
      for (int k = 0; k < r; k++) p->c.tx_bytes += p->iov[i + (uint32_t)k].iov_len;
      i += (uint32_t)r;
      sent += (uint32_t)r;
      continue;
    }
    int e = r < 0 ? errno : EIO;
    if (e == EINTR) continue;
    p->c.last_tx_errno = e;
    if (e == EAGAIN || e == ENOBUFS) {  // the socket or device queue is full: drop, never wait
      p->c.tx_drops += m - i;
      break;
    }
    if (e == ENETDOWN || e == ENXIO || e == ENODEV || e == EBADF) {  // no link: all of them fail
      p->c.tx_errors += m - i;
      break;
    }
    p->c.tx_errors++;  // this frame (e.g. EMSGSIZE, EINVAL): skip it
    i++;
  }
  p->c.tx_packets += sent;
  CHECK_NAPI(env, napi_create_uint32(env, sent, &out));
  return out;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], o, v;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  port_t* p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  read_kernel_stats(p);
  CHECK_NAPI(env, napi_create_object(env, &o));
#define SETD(name, x)                                     \
  CHECK_NAPI(env, napi_create_double(env, (double)(x), &v)); \
  CHECK_NAPI(env, napi_set_named_property(env, o, name, v));
  SETD("rxPackets", p->c.rx_packets);
  SETD("rxBytes", p->c.rx_bytes);
  SETD("rxBatches", p->c.rx_batches);
  SETD("rxMaxBatch", p->c.rx_max_batch);
  SETD("rxOversize", p->c.rx_oversize);
  SETD("rxTruncated", p->c.rx_truncated);
  SETD("rxRunts", p->c.rx_runts);
  SETD("rxVlanRestored", p->c.rx_vlan_restored);
  SETD("rxChecksumsCompleted", p->c.rx_csum_fixed);
  SETD("rxOutgoingSkipped", p->c.rx_outgoing);
  SETD("rxErrors", p->c.rx_errors);
  SETD("rxCallbackErrors", p->c.rx_cb_errors);
  SETD("rxKernelPackets", p->c.k_packets);
  SETD("rxKernelDrops", p->c.k_drops);
  SETD("rxKernelFreezes", p->c.k_freezes);
  SETD("txPackets", p->c.tx_packets);
  SETD("txBytes", p->c.tx_bytes);
  SETD("txFlushes", p->c.tx_flushes);
  SETD("txDrops", p->c.tx_drops);
  SETD("txErrors", p->c.tx_errors);
  SETD("lastRxErrno", p->c.last_rx_errno);
  SETD("lastTxErrno", p->c.last_tx_errno);
#undef SETD
  return o;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  port_t* p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  port_close(p);
  return NULL;
}

static napi_value js_strerror(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t e = 0;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &e);
  const char* name = e > 0 ? uv_err_name(-e) : "";
  char buf[160];
  snprintf(buf, sizeof buf, "%s (%s)", e > 0 ? strerror(e) : "none", name);
  CHECK_NAPI(env, napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stop", NULL, js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flush", NULL, js_flush, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"strerror", NULL, js_strerror, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof d / sizeof d[0], d) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
