// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TCP connections without kprobes, in one object (tcplife's approach, extended):
 *
 * - sock:inet_sock_set_state: a connection is born at SYN_SENT (connect, in the caller's context: the
 *   owner) or SYN_RECV (a passive child, in softirq: provisionally owned by the process listening on
 *   its port); at CLOSE its final counts are read from the tcp_sock (bytes_acked, bytes_received:
 *   exact payload counts; srtt_us; total_retrans);
 * - tcp:tcp_destroy_sock: the connection is streamed and its entry deleted;
 * - sock:sock_send_length / sock_recv_length (6.3+): in the caller's context, so the first call on an
 *   accepted socket names its owner; each call refreshes the connection's counts from the tcp_sock,
 *   and a socket first seen here (opened before the session) is adopted;
 * - tcp:tcp_probe (received segments, sampled 1 in rtt_sample_every per CPU): refreshes counts and
 *   RTT of connections nobody calls on (splice, sendfile);
 * - tcp:tcp_retransmit_skb, tcp_send_reset, tcp_receive_reset: per connection counts and records.
 *
 * Totals (bytes, retransmits, resets, opens, closes) only ever grow; user space diffs them per window.
 */
#include "kit/kit.h"
#include <bpf/bpf_endian.h>
#include "tcp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

const volatile __u32 record_cap_per_cpu = 10000; /* records streamed per second per CPU */
const volatile bool stream_retransmits = true;
const volatile bool stream_resets = true;
const volatile bool stream_states = false;
const volatile __u32 rtt_sample_every = 8;       /* tcp_probe: 1 in N per CPU; 0 = off */
const volatile __u16 only_port = 0;              /* local or remote port; 0 = any */
const volatile bool only_loopback = false;
const volatile bool want_ipv4 = true;
const volatile bool want_ipv6 = true;

SS_COUNTERS(tcp_counter, TCP_CTR_MAX);
SS_BTF_STRUCT(tcp_conn)
SS_BTF_STRUCT(tcp_record)
SS_BTF_STRUCT(tcp_totals)
SS_BTF_STRUCT(tcp_listener)
SS_BTF_ENUM(tcp_rec_kind)
SS_BTF_ENUM(tcp_conn_flag)

/* Preallocated: elements allocated on demand can run out in a burst of connects. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tcp_conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct tcp_listener);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
} events SEC(".maps");

struct record_budget {
	__u64 second;
	__u32 sent;
	__u32 probe_tick; /* tcp_probe's sampling countdown, per CPU */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record_budget);
} budgets SEC(".maps");

#define count(index) ss_count(&tcp_counters, index)

/* Opened here by connect: neither accepted nor first seen already open. */
#define ACTIVE(c) (!((c)->flags & (TCP_CONN_PASSIVE | TCP_CONN_MIDWAY)))

/* What a program reads of a socket, direct (tp_btf) or through CO-RE (raw_tp). */
struct sock_view {
	__u64 bytes_acked;     /* payload: the kernel's count less the SYN and FIN it includes */
	__u64 bytes_received;  /* payload: less the peer's FIN */
	__u32 srtt_us;
	__u32 total_retrans;
	bool tcp;       /* a full TCP socket */
};

#define RCV_SHUTDOWN 1
#define STATES(s) (1 << (s))

/*
 * bytes_acked and bytes_received count sequence numbers, and SYN and FIN take one each: an actively
 * opened socket counts its SYN once the SYN-ACK arrives (an accepted one starts at 0 after the
 * handshake), either side its own FIN once acknowledged and the peer's FIN once received. state is
 * the socket's state as it is read (at inet_sock_set_state: the state being left).
 */
static __always_inline void payload_only(struct sock_view *v, bool active, __u8 state, __u8 shutdown, __u32 snd_una, __u32 write_seq)
{
	bool fin_sent = STATES(state) & (STATES(TCP_FIN_WAIT1) | STATES(TCP_FIN_WAIT2) | STATES(TCP_CLOSING) | STATES(TCP_LAST_ACK) | STATES(TCP_TIME_WAIT));
	bool fin_received = (STATES(state) & (STATES(TCP_CLOSE_WAIT) | STATES(TCP_LAST_ACK) | STATES(TCP_CLOSING) | STATES(TCP_TIME_WAIT))) ||
			    (state == TCP_FIN_WAIT2 && (shutdown & RCV_SHUTDOWN));

	if (active && v->bytes_acked > 0)
		v->bytes_acked--;
	if (fin_sent && snd_una == write_seq && v->bytes_acked > 0)
		v->bytes_acked--;
	if (fin_received && v->bytes_received > 0)
		v->bytes_received--;
}

static __always_inline struct tcp_totals *totals_here(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

#define add_total(field, n)                                          \
	do {                                                         \
		struct tcp_totals *t__ = totals_here();              \
		if (t__)                                             \
			__sync_fetch_and_add(&t__->field, (n));      \
	} while (0)

static __always_inline bool is_tcp(const struct sock *sk, bool btf)
{
	__u16 family, protocol, type;

	if (!sk)
		return false;
	if (btf) {
		family = sk->__sk_common.skc_family;
		protocol = sk->sk_protocol;
		type = sk->sk_type;
	} else {
		family = BPF_CORE_READ(sk, __sk_common.skc_family);
		protocol = BPF_CORE_READ(sk, sk_protocol);
		type = BPF_CORE_READ(sk, sk_type);
	}
	return protocol == IPPROTO_TCP && type == 1 /* SOCK_STREAM */ && (family == AF_INET || family == AF_INET6);
}

/* active: the connection was opened here by connect (its SYN is in bytes_acked). */
static __always_inline void read_view(const struct sock *sk, struct sock_view *v, bool active, bool btf)
{
	if (btf) {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

		v->tcp = tp != NULL;
		if (!tp)
			return;
		v->bytes_acked = tp->bytes_acked;
		v->bytes_received = tp->bytes_received;
		v->srtt_us = tp->srtt_us >> 3;
		v->total_retrans = tp->total_retrans;
		payload_only(v, active, sk->__sk_common.skc_state, sk->sk_shutdown, tp->snd_una, tp->write_seq);
	} else {
		const struct tcp_sock *tp = (const void *)sk;

		v->tcp = true;
		v->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
		v->bytes_received = BPF_CORE_READ(tp, bytes_received);
		v->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
		v->total_retrans = BPF_CORE_READ(tp, total_retrans);
		payload_only(v, active, BPF_CORE_READ(sk, __sk_common.skc_state), BPF_CORE_READ(sk, sk_shutdown),
			     BPF_CORE_READ(tp, snd_una), BPF_CORE_READ(tp, write_seq));
	}
}

static __always_inline void read_tuple(const struct sock *sk, struct tcp_conn *c, bool btf)
{
	if (btf) {
		c->family = sk->__sk_common.skc_family;
		c->sport = sk->__sk_common.skc_num;
		c->dport = bpf_ntohs(sk->__sk_common.skc_dport);
		c->state = sk->__sk_common.skc_state;
		if (c->family == AF_INET) {
			*(__u32 *)c->saddr = sk->__sk_common.skc_rcv_saddr;
			*(__u32 *)c->daddr = sk->__sk_common.skc_daddr;
		} else {
			bpf_probe_read_kernel(c->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_probe_read_kernel(c->daddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
	} else {
		c->family = BPF_CORE_READ(sk, __sk_common.skc_family);
		c->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		c->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		c->state = BPF_CORE_READ(sk, __sk_common.skc_state);
		if (c->family == AF_INET) {
			bpf_core_read(c->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
			bpf_core_read(c->daddr, 4, &sk->__sk_common.skc_daddr);
		} else {
			bpf_core_read(c->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(c->daddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
	}
}

static __always_inline bool loopback(const __u8 *addr, __u16 family)
{
	int i;

	if (family == AF_INET)
		return addr[0] == 127;
	/* ::ffff:127.x.y.z (an IPv4 peer of an IPv6 socket) */
	if (*(__u64 *)addr == 0 && *(__u16 *)(addr + 8) == 0 && *(__u16 *)(addr + 10) == 0xffff)
		return addr[12] == 127;
	for (i = 0; i < 15; i++)
		if (addr[i])
			return false;
	return addr[15] == 1;
}

/* The source's options (family, port, loopback). A port not yet chosen (0 before connect hashes it) matches. */
static __always_inline bool options_match(const struct tcp_conn *c)
{
	if ((c->family == AF_INET && !want_ipv4) || (c->family == AF_INET6 && !want_ipv6))
		return false;
	if (only_port && c->sport && c->sport != only_port && c->dport != only_port)
		return false;
	if (only_loopback && !(loopback(c->daddr, c->family) || (c->dport == 0 && c->state == TCP_SYN_SENT)))
		return false;
	return true;
}

static __always_inline bool record_allowed(__u64 now)
{
	__u32 zero = 0;
	struct record_budget *budget = bpf_map_lookup_elem(&budgets, &zero);
	__u64 second = now / 1000000000ULL;

	if (!budget)
		return false;
	if (budget->second != second) {
		budget->second = second;
		budget->sent = 0;
	}
	if (budget->sent >= record_cap_per_cpu) {
		count(TCP_CTR_RECORDS_CAPPED);
		return false;
	}
	budget->sent++;
	return true;
}

static __always_inline void stream(__u64 now, __u64 sk, __u32 kind, __u32 old_state, const struct tcp_conn *c)
{
	struct tcp_record *r;

	if (!record_allowed(now))
		return;
	r = SS_RESERVE(&events, struct tcp_record);
	if (!r)
		return;
	r->timestamp_ns = now;
	r->sk = sk;
	r->kind = kind;
	r->old_state = old_state;
	__builtin_memcpy(&r->conn, c, sizeof(*c));
	ss_submit(&events, r);
}

/* Takes the current thread as the owner: false when the session's filter does not want it. */
static __always_inline bool own(struct tcp_conn *c)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!ss_wanted_current())
		return false;
	c->tgid = id >> 32;
	c->tid = (__u32)id;
	c->flags &= ~TCP_CONN_OWNER_LISTENER;
	bpf_get_current_comm(c->comm, sizeof(c->comm));
	ss_announce_current(c->tgid, c->tid);
	return true;
}

/* New counts from the tcp_sock: their growth goes to the totals (not for a first sight: that is history). */
static __always_inline void refresh(struct tcp_conn *c, const struct sock_view *v, __u64 now, bool first)
{
	if (!v->tcp)
		return;
	if (v->bytes_acked > c->bytes_sent) {
		if (!first)
			add_total(bytes_sent, v->bytes_acked - c->bytes_sent);
		c->bytes_sent = v->bytes_acked;
	}
	if (v->bytes_received > c->bytes_received) {
		if (!first)
			add_total(bytes_received, v->bytes_received - c->bytes_received);
		c->bytes_received = v->bytes_received;
	}
	if (v->srtt_us)
		c->srtt_us = v->srtt_us;
	c->last_ns = now;
}

static __always_inline struct tcp_conn *insert(__u64 key, const struct tcp_conn *c)
{
	if (bpf_map_update_elem(&conns, &key, c, BPF_NOEXIST) && !bpf_map_lookup_elem(&conns, &key)) {
		count(TCP_CTR_LOST_CONNS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&conns, &key);
}

/* A send or receive call of `bytes` on sk, in the caller's context. */
static __always_inline void called(const struct sock *sk, int bytes, bool btf)
{
	__u64 key = (__u64)sk, now;
	struct tcp_conn *c, fresh = {};
	struct sock_view v = {};
	__u32 tgid;

	if (bytes <= 0 || !is_tcp(sk, btf))
		return;
	now = bpf_ktime_get_ns();
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c) {
		/* Opened before the session (or before the map had room): adopted, counts from here on. */
		read_tuple(sk, &fresh, btf);
		if (fresh.state != TCP_ESTABLISHED && fresh.state != TCP_CLOSE_WAIT)
			return;
		if (!options_match(&fresh) || !own(&fresh))
			return;
		fresh.birth_ns = now;
		fresh.flags |= TCP_CONN_MIDWAY;
		read_view(sk, &v, false, btf);
		refresh(&fresh, &v, now, true);
		c = insert(key, &fresh);
		if (c)
			count(TCP_CTR_CONNS_MIDWAY);
		return;
	}
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (c->tgid == 0 || (c->flags & TCP_CONN_OWNER_LISTENER)) {
		if (!own(c)) {
			bpf_map_delete_elem(&conns, &key);
			return;
		}
	} else if (c->tgid == tgid) {
		c->tid = (__u32)bpf_get_current_pid_tgid();
	}
	count(TCP_CTR_CALLS);
	read_view(sk, &v, ACTIVE(c), btf);
	refresh(c, &v, now, false);
}

/* CLOSE: the final counts. The record goes at tcp_destroy_sock: an abortive close (SO_LINGER 0,
 * tcp_disconnect) sends its reset after the state became CLOSE. */
static __always_inline void closed(const struct sock *sk, struct tcp_conn *c, __u64 now, bool btf)
{
	struct sock_view v = {};

	read_view(sk, &v, ACTIVE(c), btf);
	refresh(c, &v, now, false);
	if (v.tcp && v.total_retrans > c->retransmits)
		c->retransmits = v.total_retrans;
	c->state = TCP_CLOSE;
	c->last_ns = now;
	add_total(closes, 1);
}

static __always_inline void destroyed(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return;
	stream(bpf_ktime_get_ns(), key, TCP_REC_CLOSE, c->state, c);
	bpf_map_delete_elem(&conns, &key);
}

static __always_inline void state_changed(const struct sock *sk, int oldstate, int newstate, bool btf)
{
	__u64 key = (__u64)sk, now;
	struct tcp_conn *c, fresh = {};
	struct tcp_listener *l;
	__u32 port;

	if (!is_tcp(sk, btf))
		return;
	count(TCP_CTR_STATE_CHANGES);
	now = bpf_ktime_get_ns();

	if (newstate == TCP_LISTEN || oldstate == TCP_LISTEN) {
		port = btf ? sk->__sk_common.skc_num : BPF_CORE_READ(sk, __sk_common.skc_num);
		if (newstate == TCP_LISTEN) {
			struct tcp_listener owner = {};
			__u64 id = bpf_get_current_pid_tgid();

			if (!ss_wanted_current())
				return;
			owner.tgid = id >> 32;
			owner.tid = (__u32)id;
			bpf_get_current_comm(owner.comm, sizeof(owner.comm));
			if (bpf_map_update_elem(&listeners, &port, &owner, BPF_ANY))
				count(TCP_CTR_LOST_LISTENERS_FULL);
		} else if (newstate == TCP_CLOSE) {
			bpf_map_delete_elem(&listeners, &port);
		}
		/* A passive child is cloned from its listener: LISTEN → SYN_RECV is the child's birth. */
		if (newstate != TCP_SYN_RECV)
			return;
	}

	c = bpf_map_lookup_elem(&conns, &key);
	if (c && c->state == TCP_CLOSE && (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV)) {
		/* The address of a socket whose destruction was not seen, reused. */
		bpf_map_delete_elem(&conns, &key);
		c = NULL;
	}
	if (!c) {
		if (newstate == TCP_CLOSE)
			return; /* never observed */
		read_tuple(sk, &fresh, btf);
		fresh.state = newstate;
		if (!options_match(&fresh))
			return;
		fresh.birth_ns = now;
		fresh.last_ns = now;
		if (newstate == TCP_SYN_SENT) {
			if (!own(&fresh))
				return;
			add_total(connects, 1);
		} else if (newstate == TCP_SYN_RECV) {
			fresh.flags = TCP_CONN_PASSIVE;
			port = fresh.sport;
			/* Owned by its listener until a call names the accepting thread; a listener that
			 * started before the session is unknown: the owner is then the first caller. */
			l = bpf_map_lookup_elem(&listeners, &port);
			if (l) {
				fresh.tgid = l->tgid;
				fresh.tid = l->tid;
				__builtin_memcpy(fresh.comm, l->comm, sizeof(fresh.comm));
				fresh.flags |= TCP_CONN_OWNER_LISTENER;
			}
			add_total(accepts, 1);
		} else if (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK) {
			/* Opened before the session and closed now by its owner, in close()'s context. */
			if (!own(&fresh))
				return;
			fresh.flags = TCP_CONN_MIDWAY;
			count(TCP_CTR_CONNS_MIDWAY);
		} else {
			return;
		}
		c = insert(key, &fresh);
		if (c && stream_states)
			stream(now, key, TCP_REC_STATE, oldstate, c);
		return;
	}

	if (newstate == TCP_CLOSE) {
		closed(sk, c, now, btf);
		return;
	}
	read_tuple(sk, c, btf);
	c->state = newstate;
	c->last_ns = now;
	if (!options_match(c)) {
		/* The local port is only known once connect has hashed the socket. */
		bpf_map_delete_elem(&conns, &key);
		return;
	}
	/* close() runs in the owner's context: it names the owner of a socket nobody called on. */
	if ((newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK) && (c->tgid == 0 || (c->flags & TCP_CONN_OWNER_LISTENER))) {
		if (!own(c)) {
			bpf_map_delete_elem(&conns, &key);
			return;
		}
	}
	if (stream_states)
		stream(now, key, TCP_REC_STATE, oldstate, c);
}

static __always_inline void retransmitted(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return;
	__sync_fetch_and_add(&c->retransmits, 1);
	add_total(retransmits, 1);
	if (stream_retransmits)
		stream(bpf_ktime_get_ns(), key, TCP_REC_RETRANSMIT, 0, c);
}

static __always_inline void reset(const struct sock *sk, bool sent)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = sk ? bpf_map_lookup_elem(&conns, &key) : NULL;

	if (!c) {
		if (sent)
			count(TCP_CTR_RESETS_UNOWNED);
		return;
	}
	if (sent) {
		__sync_fetch_and_add(&c->resets_sent, 1);
		add_total(resets_sent, 1);
	} else {
		__sync_fetch_and_add(&c->resets_received, 1);
		add_total(resets_received, 1);
	}
	if (stream_resets)
		stream(bpf_ktime_get_ns(), key, sent ? TCP_REC_RESET_SENT : TCP_REC_RESET_RECEIVED, 0, c);
}

/* 1 in rtt_sample_every received segments per CPU: no map lookup for the others. */
static __always_inline bool probe_sampled(void)
{
	__u32 zero = 0;
	struct record_budget *b;

	if (rtt_sample_every == 0)
		return false;
	b = bpf_map_lookup_elem(&budgets, &zero);
	if (!b)
		return false;
	if (++b->probe_tick < rtt_sample_every)
		return false;
	b->probe_tick = 0;
	return true;
}

static __always_inline void probed(const struct sock *sk, bool btf)
{
	__u64 key = (__u64)sk;
	struct sock_view v = {};
	struct tcp_conn *c;

	if (!probe_sampled())
		return;
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return;
	read_view(sk, &v, ACTIVE(c), btf);
	refresh(c, &v, bpf_ktime_get_ns(), false);
	count(TCP_CTR_RTT_SAMPLES);
}

/* Since 6.17 tcp_retransmit_skb also fires for failed attempts, with their error. */
struct trace_event_raw_tcp_retransmit_skb___err {
	int err;
} __attribute__((preserve_access_index));

static __always_inline bool retransmit_has_err(void)
{
	return bpf_core_field_exists(struct trace_event_raw_tcp_retransmit_skb___err, err);
}

/* --- tp_btf: typed arguments, direct access --------------------------------------------------- */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, int oldstate, int newstate)
{
	state_changed(sk, oldstate, newstate, true);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(send_btf, struct sock *sk, int ret, int flags)
{
	called(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(recv_btf, struct sock *sk, int ret, int flags)
{
	if (flags & MSG_PEEK)
		return 0;
	called(sk, ret, true);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(destroy_btf, struct sock *sk)
{
	destroyed(sk);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(probe_btf, struct sock *sk)
{
	probed(sk, true);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int tcp_retransmit_btf(unsigned long long *ctx)
{
	if (retransmit_has_err() && (int)ctx[2]) {
		count(TCP_CTR_RETRANSMITS_FAILED);
		return 0;
	}
	retransmitted((const struct sock *)ctx[0]);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset_btf, const struct sock *sk)
{
	reset(sk, true);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset_btf, struct sock *sk)
{
	reset(sk, false);
	return 0;
}

/* --- raw_tp fallback: untyped pointers, CO-RE reads ------------------------------------------- */

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(state_raw, const struct sock *sk, int oldstate, int newstate)
{
	state_changed(sk, oldstate, newstate, false);
	return 0;
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(send_raw, struct sock *sk, int ret, int flags)
{
	called(sk, ret, false);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(recv_raw, struct sock *sk, int ret, int flags)
{
	if (flags & MSG_PEEK)
		return 0;
	called(sk, ret, false);
	return 0;
}

SEC("raw_tp/tcp_destroy_sock")
int BPF_PROG(destroy_raw, struct sock *sk)
{
	destroyed(sk);
	return 0;
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(probe_raw, struct sock *sk)
{
	probed(sk, false);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int tcp_retransmit_raw(unsigned long long *ctx)
{
	if (retransmit_has_err() && (int)ctx[2]) {
		count(TCP_CTR_RETRANSMITS_FAILED);
		return 0;
	}
	retransmitted((const struct sock *)ctx[0]);
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(send_reset_raw, const struct sock *sk)
{
	reset(sk, true);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(receive_reset_raw, struct sock *sk)
{
	reset(sk, false);
	return 0;
}
