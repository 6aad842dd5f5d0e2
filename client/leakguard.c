/* The client's IPv6 leak guard. See leakguard.h.
 *
 * The table goes to nf_tables straight over netlink: libnftnl builds the few
 * messages, libmnl sends them as one batch, and the kernel applies a batch as
 * one transaction. libnftables would parse rule text and first dump the whole
 * ruleset into its cache: 1-1.5 ms on the client's way to its first packet,
 * where the kernel's commit takes about 0.1 ms. */
#include "errbuf.h"
#include "leakguard.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>

#include "nftables.h"
#include "tun.h"

#define CHAIN "output"

/* Messages between the batch's begin and end markers, at most: three for
 * the table, the chain, six rules. */
#define BATCH_MSGS_MAX 10

/* A batch is about 2 KiB. libnftnl writes a message without checking for
 * room, so the buffer holds a whole message past the limit, as
 * mnl_nlmsg_batch_start() asks. */
#define BATCH_LIMIT 8192

/* One NETLINK_NETFILTER socket for the process, opened on first use and
 * kept until exit. Closing one waits until nf_tables has freed the last
 * committed transaction, an RCU grace period (8-40 ms measured here): a
 * socket per call would put that on every call. The client is single
 * threaded and stays in one network namespace. nf_seq is the next seq. */
static struct mnl_socket *nf_sock;
static uint32_t nf_seq;

/* One batch being built. The first failure while building sticks in error
 * and turns the later put_* calls into no-ops: txn_commit() reports it. */
struct txn {
	struct mnl_nlmsg_batch *batch;
	int error;
	uint32_t seq;			      /* the begin marker's; message i (1..n) has seq + i */
	size_t n;			      /* messages so far, the markers not counted */
	unsigned acked;			      /* bit i - 1 set: message i acknowledged */
	size_t failed;			      /* the seq offset the kernel refused */
	const char *what[BATCH_MSGS_MAX + 2]; /* by seq offset, for errors */
	char buf[2 * BATCH_LIMIT];	      /* the batch; once sent, the answers */
};

static void txn_start(struct txn *t)
{
	memset(t, 0, offsetof(struct txn, buf));
	t->batch = mnl_nlmsg_batch_start(t->buf, BATCH_LIMIT);
	if (!t->batch) {
		t->error = -ENOMEM;
		return;
	}
	/* Any start works (the socket is ours alone); time-based, like
	 * netlink.c, so that two processes differ in a netlink trace. */
	if (nf_seq == 0)
		nf_seq = (uint32_t)time(NULL);
	t->seq = nf_seq;
	t->what[0] = "the batch";
	nftnl_batch_begin(mnl_nlmsg_batch_current(t->batch), t->seq);
	mnl_nlmsg_batch_next(t->batch);
}

/* Starts the next message; NULL (and t->error set) when the batch is full.
 * Every message asks for an acknowledgement, so that each is answered. */
static struct nlmsghdr *msg_start(struct txn *t, uint16_t type, uint16_t flags, const char *what)
{
	if (t->n >= BATCH_MSGS_MAX) {
		t->error = -ENOSPC;
		return NULL;
	}
	t->n++;
	t->what[t->n] = what;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(t->batch), type, NFPROTO_IPV6,
				     flags | NLM_F_ACK, t->seq + (uint32_t)t->n);
}

static void msg_end(struct txn *t)
{
	if (!mnl_nlmsg_batch_next(t->batch))
		t->error = -ENOSPC;
}

static void put_table(struct txn *t, uint16_t type, uint16_t flags, const char *table,
		      const char *what)
{
	struct nftnl_table *tb;
	struct nlmsghdr *nlh;

	if (t->error)
		return;
	tb = nftnl_table_alloc();
	if (!tb || nftnl_table_set_str(tb, NFTNL_TABLE_NAME, table) < 0) {
		t->error = -ENOMEM;
		goto out;
	}
	nlh = msg_start(t, type, flags, what);
	if (!nlh)
		goto out;
	nftnl_table_nlmsg_build_payload(nlh, tb);
	msg_end(t);
out:
	if (tb)
		nftnl_table_free(tb);
}

/* type filter hook output priority 0; policy drop; */
static void put_chain(struct txn *t, const char *table)
{
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;

	if (t->error)
		return;
	c = nftnl_chain_alloc();
	if (!c || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, CHAIN) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter") < 0) {
		t->error = -ENOMEM;
		goto out;
	}
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_OUT);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_DROP);
	nlh = msg_start(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add chain " CHAIN);
	if (!nlh)
		goto out;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	msg_end(t);
out:
	if (c)
		nftnl_chain_free(c);
}

/* One test of a rule: the meta key, or len bytes at offset of the header
 * base, loaded into register 1 and compared equal with value. */
struct match {
	bool meta;
	uint32_t key; /* NFT_META_*, or NFT_PAYLOAD_*_HEADER */
	uint32_t offset;
	const void *value;
	uint32_t len;
};

/* 0 or -ENOMEM. The rule owns an expression once added, also on failure. */
static int add_match(struct nftnl_rule *r, const struct match *m)
{
	struct nftnl_expr *load = nftnl_expr_alloc(m->meta ? "meta" : "payload");
	struct nftnl_expr *cmp;

	if (!load)
		return -ENOMEM;
	if (m->meta) {
		nftnl_expr_set_u32(load, NFTNL_EXPR_META_KEY, m->key);
		nftnl_expr_set_u32(load, NFTNL_EXPR_META_DREG, NFT_REG_1);
	} else {
		nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_BASE, m->key);
		nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_OFFSET, m->offset);
		nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_LEN, m->len);
		nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	nftnl_rule_add_expr(r, load);

	cmp = nftnl_expr_alloc("cmp");
	if (!cmp)
		return -ENOMEM;
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	if (nftnl_expr_set(cmp, NFTNL_EXPR_CMP_DATA, m->value, m->len) < 0) {
		nftnl_expr_free(cmp);
		return -ENOMEM;
	}
	nftnl_rule_add_expr(r, cmp);
	return 0;
}

static int add_accept(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	nftnl_rule_add_expr(r, e);
	return 0;
}

/* Appends "m[0] ... m[n - 1] accept" to the chain. */
static void put_rule(struct txn *t, const char *table, const struct match *m, size_t n,
		     const char *what)
{
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	if (t->error)
		return;
	r = nftnl_rule_alloc();
	if (!r || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, CHAIN) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if ((rc = add_match(r, &m[i])) < 0)
			goto fail;
	if ((rc = add_accept(r)) < 0)
		goto fail;
	/* APPEND keeps the rules in the order given; without it each new
	 * rule goes to the head of the chain. */
	nlh = msg_start(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, what);
	if (!nlh)
		goto out;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(t);
	goto out;
fail:
	t->error = rc;
out:
	if (r)
		nftnl_rule_free(r);
}

/* oifname "lo" accept, oifname "TUN" accept, [ip6 daddr SERVER accept,]
 * icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }
 * ip6 hoplimit 255 accept (as three rules, one per type). */
static void put_rules(struct txn *t, const char *table, const char *tun,
		      const struct ip_addr *server)
{
	static const uint8_t icmpv6 = IPPROTO_ICMPV6, hoplimit = 255;
	static const uint8_t nd[] = {ND_ROUTER_SOLICIT, ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT};
	/* An interface name without a wildcard is compared over all of
	 * IFNAMSIZ, NUL padded, as nft does: "tun1" must not match "tun10". */
	char lo[IFNAMSIZ] = "lo", tun_name[IFNAMSIZ] = "";
	struct match m[3];

	memcpy(tun_name, tun, strnlen(tun, TUN_NAME_MAX));
	m[0] = (struct match){.meta = true, .key = NFT_META_OIFNAME, .value = lo, .len = IFNAMSIZ};
	put_rule(t, table, m, 1, "add rule for lo");
	m[0].value = tun_name;
	put_rule(t, table, m, 1, "add rule for the tunnel");
	if (server && server->family == AF_INET6) {
		m[0] = (struct match){.key = NFT_PAYLOAD_NETWORK_HEADER,
				      .offset = offsetof(struct ip6_hdr, ip6_dst),
				      .value = &server->u.v6,
				      .len = sizeof(server->u.v6)};
		put_rule(t, table, m, 1, "add rule for the server");
	}

	/* Neighbour discovery stays allowed: it never leaves the link, and
	 * without it an IPv6 server (or the link itself) becomes unreachable.
	 * Router advertisements are input, so they are not affected. The
	 * transport header is read only once the protocol is known to be
	 * ICMPv6, as nft itself does (its "icmpv6" dependency). */
	m[0] = (struct match){.meta = true, .key = NFT_META_L4PROTO, .value = &icmpv6, .len = 1};
	m[2] = (struct match){.key = NFT_PAYLOAD_NETWORK_HEADER,
			      .offset = offsetof(struct ip6_hdr, ip6_hlim),
			      .value = &hoplimit,
			      .len = 1};
	for (size_t i = 0; i < sizeof(nd); i++) {
		m[1] = (struct match){.key = NFT_PAYLOAD_TRANSPORT_HEADER,
				      .offset = offsetof(struct icmp6_hdr, icmp6_type),
				      .value = &nd[i],
				      .len = 1};
		put_rule(t, table, m, 3, "add rule for neighbour discovery");
	}
}

/* The kernel's answer to one message of the batch. The seq is checked here
 * rather than by libmnl: the answers carry the seqs of several messages. */
static int ack(const struct nlmsghdr *nlh, void *data)
{
	struct txn *t = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	uint32_t i = nlh->nlmsg_seq - t->seq;

	/* An answer to an earlier batch that stopped reading at a refusal. */
	if (i > t->n + 1)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error != 0) {
		t->failed = i;
		errno = e->error < 0 ? -e->error : EPROTO;
		return MNL_CB_ERROR;
	}
	/* The markers carry no NLM_F_ACK; should a kernel ack them anyway,
	 * that says nothing about the messages. */
	if (i >= 1 && i <= t->n)
		t->acked |= 1u << (i - 1);
	return MNL_CB_OK;
}

/* Reads answers until every message is acknowledged or one is refused. The
 * kernel answers a batch while still in sendmsg(), in seq order, each answer
 * in its own datagram; a refusal of the whole batch (no CAP_NET_ADMIN, a
 * failed commit) carries the begin marker's seq. After a refusal the rest is
 * left unread: ack() skips it in the next call. */
static int read_acks(struct txn *t)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = ack};
	unsigned portid = mnl_socket_get_portid(nf_sock);
	unsigned all = (1u << t->n) - 1;

	while (t->acked != all) {
		ssize_t n = mnl_socket_recvfrom(nf_sock, t->buf, sizeof(t->buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		errno = 0;
		if (mnl_cb_run2(t->buf, (size_t)n, 0, portid, NULL, t, ctl, MNL_ARRAY_SIZE(ctl)) <
		    0)
			return errno ? -errno : -EPROTO;
	}
	return 0;
}

static int sock_open(void)
{
	if (nf_sock)
		return 0;
	nf_sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (nf_sock && mnl_socket_bind(nf_sock, 0, MNL_SOCKET_AUTOPID) == 0)
		return 0;
	int rc = -errno;
	if (nf_sock)
		mnl_socket_close(nf_sock);
	nf_sock = NULL;
	return rc;
}

/* Ends the batch, sends it and reads the answers. 0 or -errno, with err
 * naming the step or the message refused. */
static int txn_commit(struct txn *t, char *err, size_t len)
{
	int rc = t->error;

	if (rc == 0) {
		nftnl_batch_end(mnl_nlmsg_batch_current(t->batch), t->seq + (uint32_t)t->n + 1);
		t->what[t->n + 1] = "the batch";
		if (!mnl_nlmsg_batch_next(t->batch))
			rc = -ENOSPC;
	}
	if (rc < 0) {
		errbuf_set(err, len, "building the netlink batch: %s", strerror(-rc));
		goto out;
	}
	nf_seq = t->seq + (uint32_t)t->n + 2;
	rc = sock_open();
	if (rc < 0) {
		errbuf_set(err, len, "opening a NETLINK_NETFILTER socket: %s", strerror(-rc));
		goto out;
	}
	if (mnl_socket_sendto(nf_sock, mnl_nlmsg_batch_head(t->batch),
			      mnl_nlmsg_batch_size(t->batch)) < 0) {
		rc = -errno;
		errbuf_set(err, len, "sending the netlink batch: %s", strerror(-rc));
		goto out;
	}
	t->failed = SIZE_MAX;
	rc = read_acks(t);
	if (rc < 0 && t->failed != SIZE_MAX) {
		errbuf_set(err, len, "kernel refused %s: %s", t->what[t->failed], strerror(-rc));
	} else if (rc < 0) {
		errbuf_set(err, len, "reading the kernel's answer: %s", strerror(-rc));
		/* The socket's state is unknown: the next call opens another. */
		mnl_socket_close(nf_sock);
		nf_sock = NULL;
	}
out:
	if (t->batch)
		mnl_nlmsg_batch_stop(t->batch);
	return rc;
}

int leakguard_block_ipv6(const char *table, const char *tun_ifname, const struct ip_addr *server,
			 char *err, size_t len)
{
	struct txn t;
	int r;

	if (err && len > 0)
		err[0] = '\0';
	r = nftables_table_name(&table, LEAKGUARD_TABLE_DEFAULT, "leakguard", err, len);
	if (r < 0)
		return r;
	if (!tun_name_valid(tun_ifname, false)) {
		errbuf_set(err, len,
			   "leakguard: invalid tunnel interface \"%.40s\" (want 1-15 of "
			   "[A-Za-z0-9_.-])",
			   tun_ifname ? tun_ifname : "(null)");
		return -EINVAL;
	}
	if (server && server->family != AF_INET && server->family != AF_INET6) {
		errbuf_set(err, len, "leakguard: server address has unknown family %d",
			   server->family);
		return -EINVAL;
	}

	/* Replace the table whole, in one transaction: add it (a no-op when
	 * it exists) so that the delete cannot fail on an absent table, delete
	 * it with whatever it held (an older guard, anybody's chains), add it
	 * afresh. Packets see the old table or the new one, never none. */
	txn_start(&t);
	put_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, table, "add table");
	put_table(&t, NFT_MSG_DELTABLE, 0, table, "delete table");
	put_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, table, "add table");
	put_chain(&t, table);
	put_rules(&t, table, tun_ifname, server);
	r = txn_commit(&t, err, len);
	if (r < 0)
		nftables_error_context(err, len, "leakguard", "setting up", table);
	return r;
}

int leakguard_remove(const char *table, char *err, size_t len)
{
	struct txn t;
	int r;

	if (err && len > 0)
		err[0] = '\0';
	r = nftables_table_name(&table, LEAKGUARD_TABLE_DEFAULT, "leakguard", err, len);
	if (r < 0)
		return r;
	/* Add first, so that deleting cannot fail on an absent table: "delete
	 * if it exists" (NFT_MSG_DESTROYTABLE) needs Linux 6.3. */
	txn_start(&t);
	put_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, table, "add table");
	put_table(&t, NFT_MSG_DELTABLE, 0, table, "delete table");
	r = txn_commit(&t, err, len);
	if (r < 0)
		nftables_error_context(err, len, "leakguard", "removing", table);
	return r;
}
