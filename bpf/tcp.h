/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between tcp.bpf.c and the C# source (Sources/Tcp/TcpSchema.cs mirrors every struct;
 * layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_TCP_H
#define SYSTEMSCOPE_TCP_H

/* struct tcp_conn.flags */
enum tcp_conn_flag {
	TCP_CONN_PASSIVE = 1,          /* accepted (born in SYN_RECV), not connected */
	TCP_CONN_MIDWAY = 2,           /* already open when first seen: birth_ns is when it was first seen */
	TCP_CONN_OWNER_LISTENER = 4,   /* owner is the listening process, not yet confirmed by a call */
};

/* Value of the conns map (key: the struct sock pointer): one connection. 112 bytes. */
struct tcp_conn {
	__u64 birth_ns;        /* first state change seen (SYN_SENT, SYN_RECV), or first sight (MIDWAY) */
	__u64 last_ns;         /* last update */
	__u64 bytes_sent;      /* tcp_sock.bytes_acked at the last update: payload acknowledged by the peer */
	__u64 bytes_received;  /* tcp_sock.bytes_received at the last update: payload received in order */
	__u32 tgid;            /* owner: the process that connected, accepted (first call) or closed; 0 unknown */
	__u32 tid;             /* the owner's thread that last called on it */
	__u32 retransmits;     /* tcp_retransmit_skb (successful ones) */
	__u32 srtt_us;         /* smoothed RTT at the last update, µs */
	__u32 resets_sent;
	__u32 resets_received;
	__u16 family;          /* AF_INET 2, AF_INET6 10 */
	__u16 sport;           /* local port, host order */
	__u16 dport;           /* remote port, host order */
	__u8 state;            /* TCP_* of the kernel */
	__u8 flags;            /* enum tcp_conn_flag */
	__u8 saddr[16];        /* local address: 4 bytes for AF_INET */
	__u8 daddr[16];        /* remote address */
	char comm[16];         /* the owner's thread name */
};

enum tcp_rec_kind {
	TCP_REC_CLOSE = 1,       /* the connection ended (state CLOSE): final counts */
	TCP_REC_RETRANSMIT = 2,
	TCP_REC_RESET_SENT = 3,
	TCP_REC_RESET_RECEIVED = 4,
	TCP_REC_STATE = 5,       /* a state change (old_state → conn.state) */
};

/* Record of the events ring buffer. 136 bytes. */
struct tcp_record {
	__u64 timestamp_ns;
	__u64 sk;              /* the socket's address: with conn.birth_ns, the connection's identity */
	__u32 kind;            /* enum tcp_rec_kind */
	__u32 old_state;       /* TCP_REC_STATE: the state before */
	struct tcp_conn conn;
};

/* Per CPU (one-element array): cumulative totals of the observed connections. 64 bytes. */
struct tcp_totals {
	__u64 bytes_sent;      /* growth of bytes_acked seen on observed connections */
	__u64 bytes_received;
	__u64 retransmits;
	__u64 resets_sent;
	__u64 resets_received;
	__u64 connects;        /* active opens (SYN_SENT) */
	__u64 accepts;         /* passive opens (SYN_RECV) */
	__u64 closes;
};

/* Value of the listeners map (key: local port): who listens there. 24 bytes. */
struct tcp_listener {
	__u32 tgid;
	__u32 tid;
	char comm[16];
};

enum tcp_counter {
	TCP_CTR_STATE_CHANGES = 0,     /* inet_sock_set_state runs for TCP */
	TCP_CTR_CALLS,                 /* send/recv calls seen on observed connections */
	TCP_CTR_RTT_SAMPLES,           /* tcp_probe runs that updated a connection */
	TCP_CTR_CONNS_MIDWAY,          /* connections first seen already open */
	TCP_CTR_RETRANSMITS_FAILED,    /* retransmit attempts that failed (not counted as retransmits) */
	TCP_CTR_RESETS_UNOWNED,        /* resets sent for no observed connection */
	TCP_CTR_RECORDS_CAPPED,        /* records not streamed: over the per-second cap */
	TCP_CTR_LOST_CONNS_FULL,       /* conns map full: a connection not observed */
	TCP_CTR_LOST_LISTENERS_FULL,   /* listeners map full: a listener's owner not kept */
	TCP_CTR_MAX,
};

#endif
