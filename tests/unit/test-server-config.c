/*
 * server.json parsing: defaults, a full config, and every error message.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server-config.h"

#define BASE                                                                                       \
	"\"listen\":\"0.0.0.0:443\",\"ca\":\"pki/ca.crt\",\"cert\":\"pki/s.crt\","                 \
	"\"key\":\"pki/s.key\",\"pool\":{\"ipv4\":\"10.8.0.0/24\"}"

static int parse(const char *json, struct server_config *c, char *err, size_t len)
{
	return server_config_parse("/etc/tlsvpn/server.json", json, strlen(json), c, err, len);
}

START_TEST(test_defaults)
{
	struct server_config c;
	char err[512];
	ck_assert_int_eq(parse("{" BASE "}", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.listen_port, 443);
	ck_assert_str_eq(c.ca, "/etc/tlsvpn/pki/ca.crt");
	ck_assert_str_eq(c.cert, "/etc/tlsvpn/pki/s.crt");
	ck_assert_str_eq(c.key, "/etc/tlsvpn/pki/s.key");
	ck_assert_ptr_null(c.crl);
	ck_assert_str_eq(c.leases, "/etc/tlsvpn/leases.json");
	ck_assert_str_eq(c.tun_name, "tlsvpn%d");
	ck_assert_uint_eq(c.mtu, 1500);
	ck_assert(c.tun_offload);
	ck_assert(!c.has_pool6);
	ck_assert(!c.redirect_gateway);
	ck_assert_uint_eq(c.n_routes, 0);
	ck_assert_uint_eq(c.n_dns, 0);
	ck_assert_str_eq(c.nat_ifname, "");
	ck_assert_str_eq(c.nat_table, "tlsvpn");
	ck_assert_uint_eq(c.n_pins, 0);
	ck_assert(!c.client_to_client);
	ck_assert_uint_eq(c.keepalive_interval, 10);
	ck_assert_uint_eq(c.keepalive_timeout, 60);
	ck_assert_uint_eq(c.max_clients, 1024);
	ck_assert_uint_eq(c.handshake_timeout, 10);
	ck_assert_uint_eq(c.max_handshakes, 128);
	ck_assert_uint_eq(c.max_handshakes_per_source, 8);
	ck_assert_uint_eq(c.queue_bytes, 262144);
	ck_assert_ptr_null(c.user);
	ck_assert_ptr_null(c.group);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO);
	ck_assert(!c.log_syslog);
	server_config_free(&c);
	server_config_free(&c); /* zeroed: safe again */
	server_config_free(NULL);
}
END_TEST

START_TEST(test_full)
{
	const char *json =
	    "{\"listen\": \"[fd00:18:1::1]:8443\", \"ca\": \"/pki/ca.crt\", \"cert\": \"c.crt\","
	    " \"key\": \"k.key\", \"crl\": \"crl.pem\","
	    " \"tun\": {\"name\": \"tlsvpn0\", \"mtu\": 1400, \"offload\": false},"
	    " \"pool\": {\"ipv4\": \"10.8.0.0/24\", \"ipv6\": \"fd00:8::/64\"},"
	    " \"leases\": \"/var/lib/tlsvpn/leases.json\","
	    " \"push\": {\"redirect_gateway\": true, \"routes\": [\"192.0.2.0/24\", "
	    "\"fd00:1::/64\"], \"dns\": [\"198.18.2.2\", \"fd00::53\"]},"
	    " \"nat\": {\"out_interface\": \"eth0\", \"table\": \"vpn_nat\"},"
	    " \"clients\": {\"alice\": {\"ipv4\": \"10.8.0.10\"}, \"bob smith\": {\"ipv4\": "
	    "\"10.8.0.11\"}},"
	    " \"client_to_client\": true, \"keepalive\": {\"interval\": 1, \"timeout\": 3},"
	    " \"limits\": {\"max_clients\": 2, \"handshake_timeout\": 5, \"max_handshakes\": 4,"
	    " \"max_handshakes_per_source\": 2, \"queue_bytes\": 65536},"
	    " \"user\": \"nobody\", \"group\": \"nogroup\","
	    " \"log\": {\"level\": \"debug\", \"syslog\": true}}";
	struct server_config c;
	char err[512];
	ck_assert_int_eq(parse(json, &c, err, sizeof err), 0);
	char b[PREFIX_STRLEN];
	ck_assert_str_eq(addr_format(&c.listen_addr, b, sizeof b), "fd00:18:1::1");
	ck_assert_int_eq(c.listen_port, 8443);
	ck_assert_str_eq(c.ca, "/pki/ca.crt");
	ck_assert_str_eq(c.crl, "/etc/tlsvpn/crl.pem");
	ck_assert_str_eq(c.leases, "/var/lib/tlsvpn/leases.json");
	ck_assert_str_eq(c.tun_name, "tlsvpn0");
	ck_assert_uint_eq(c.mtu, 1400);
	ck_assert(!c.tun_offload);
	ck_assert(c.has_pool6);
	ck_assert_str_eq(addr_prefix_format(&c.pool6, b, sizeof b), "fd00:8::/64");
	ck_assert(c.redirect_gateway);
	ck_assert_uint_eq(c.n_routes, 2);
	ck_assert_str_eq(addr_prefix_format(&c.routes[1], b, sizeof b), "fd00:1::/64");
	ck_assert_uint_eq(c.n_dns, 2);
	ck_assert_str_eq(addr_format(&c.dns[1], b, sizeof b), "fd00::53");
	ck_assert_str_eq(c.nat_ifname, "eth0");
	ck_assert_str_eq(c.nat_table, "vpn_nat");
	ck_assert_uint_eq(c.n_pins, 2);
	ck_assert_str_eq(c.pins[1].cn, "bob smith");
	ck_assert_str_eq(addr_format(&c.pins[1].ipv4, b, sizeof b), "10.8.0.11");
	ck_assert(c.client_to_client);
	ck_assert_uint_eq(c.keepalive_interval, 1);
	ck_assert_uint_eq(c.keepalive_timeout, 3);
	ck_assert_uint_eq(c.max_clients, 2);
	ck_assert_uint_eq(c.handshake_timeout, 5);
	ck_assert_uint_eq(c.max_handshakes, 4);
	ck_assert_uint_eq(c.max_handshakes_per_source, 2);
	ck_assert_uint_eq(c.queue_bytes, 65536);
	ck_assert_str_eq(c.user, "nobody");
	ck_assert_str_eq(c.group, "nogroup");
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	ck_assert(c.log_syslog);
	server_config_free(&c);
}
END_TEST

START_TEST(test_small_things)
{
	struct server_config c;
	char err[512];
	/* leases "" disables persistence; a small max_handshakes lowers the
	 * per-source default with it; long keepalive intervals get 3x timeout */
	ck_assert_int_eq(parse("{" BASE ",\"leases\":\"\",\"limits\":{\"max_handshakes\":3},"
			       "\"keepalive\":{\"interval\":30}}",
			       &c, err, sizeof err),
			 0);
	ck_assert_ptr_null(c.leases);
	ck_assert_uint_eq(c.max_handshakes_per_source, 3);
	ck_assert_uint_eq(c.keepalive_timeout, 90);
	server_config_free(&c);
	ck_assert_int_eq(parse("{" BASE ",\"listen\":\"198.18.1.1\"}", &c, err, sizeof err),
			 -EINVAL); /* duplicate key */
	ck_assert_int_eq(server_config_parse("server.json", "{" BASE "}", strlen("{" BASE "}"), &c,
					     err, sizeof err),
			 0);
	ck_assert_str_eq(c.ca, "pki/ca.crt"); /* relative config: relative paths */
	server_config_free(&c);
}
END_TEST

struct bad {
	const char *json;
	const char *err;
};

static const struct bad bad[] = {
    {"{}", "/etc/tlsvpn/server.json: listen: required key is missing"},
    {"{\"listen\":1}", "/etc/tlsvpn/server.json: listen: expected host:port like "
		       "vpn.example.com:443 or [fd00::1]:443, got 1"},
    {"{\"listen\":\"vpn.example.com:443\"}",
     "/etc/tlsvpn/server.json: listen: expected an IP address to listen on (names are not "
     "resolved), got \"vpn.example.com\""},
    {"{\"listen\":\"0.0.0.0:99999\"}",
     "/etc/tlsvpn/server.json: listen: expected host:port like vpn.example.com:443 or "
     "[fd00::1]:443, got \"0.0.0.0:99999\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"bogus\":1}",
     "/etc/tlsvpn/server.json: bogus: unknown key (allowed: listen, ca, cert, key, crl, tun, pool, "
     "leases, push, nat, clients, client_to_client, keepalive, limits, user, group, log)"},
    {"{\"listen\":\"0.0.0.0\"}", "/etc/tlsvpn/server.json: ca: required key is missing"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8.0."
     "0/24\"}}",
     "/etc/tlsvpn/server.json: ca: expected a file path, got \"\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8.0.0/24\"}}",
     "/etc/tlsvpn/server.json: cert: required key is missing"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"pool\":{\"ipv4\":\"10.8.0.0/24\"}}",
     "/etc/tlsvpn/server.json: key: required key is missing"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"crl\":5,\"pool\":{"
     "\"ipv4\":\"10.8.0.0/24\"}}",
     "/etc/tlsvpn/server.json: crl: expected a string, got 5"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"leases\":false,\"pool\":"
     "{\"ipv4\":\"10.8.0.0/24\"}}",
     "/etc/tlsvpn/server.json: leases: expected a string, got false"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\"}",
     "/etc/tlsvpn/server.json: pool: required key is missing"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":[]}",
     "/etc/tlsvpn/server.json: pool: expected an object, got []"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\",\"ipv7\":\"x\"}}",
     "/etc/tlsvpn/server.json: pool.ipv7: unknown key (allowed: ipv4, ipv6)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.300/24\"}}",
     "/etc/tlsvpn/server.json: pool.ipv4: expected a prefix like 10.8.0.0/24, got "
     "\"10.8.0.300/24\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.1/24\"}}",
     "/etc/tlsvpn/server.json: pool.ipv4: expected a network prefix with no host bits set, like "
     "10.8.0.0/24, got \"10.8.0.1/24\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/31\"}}",
     "/etc/tlsvpn/server.json: pool.ipv4: expected an IPv4 network from /8 to /30, got "
     "\"10.8.0.0/31\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"fd00:"
     ":/64\"}}",
     "/etc/tlsvpn/server.json: pool.ipv4: expected an IPv4 network from /8 to /30, got "
     "\"fd00::/64\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.0."
     "0.0/7\"}}",
     "/etc/tlsvpn/server.json: pool.ipv4: expected an IPv4 network from /8 to /30, got "
     "\"10.0.0.0/7\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\",\"ipv6\":\"fd00::/48\"}}",
     "/etc/tlsvpn/server.json: pool.ipv6: expected an IPv6 network from /64 to /124, got "
     "\"fd00::/48\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\",\"ipv6\":\"10.9.0.0/24\"}}",
     "/etc/tlsvpn/server.json: pool.ipv6: expected an IPv6 network from /64 to /124, got "
     "\"10.9.0.0/24\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"tun\":{\"mtu\":1000},"
     "\"pool\":{\"ipv4\":\"10.8.0.0/24\",\"ipv6\":\"fd00::/64\"}}",
     "/etc/tlsvpn/server.json: tun.mtu: IPv6 needs an MTU of at least 1280, got 1000"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":\"tlsvpn0\"}",
     "/etc/tlsvpn/server.json: tun: expected an object, got \"tlsvpn0\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"nmae\":\"x\"}}",
     "/etc/tlsvpn/server.json: tun.nmae: unknown key (allowed: name, mtu, offload)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"name\":\"eth0; flush ruleset\"}}",
     "/etc/tlsvpn/server.json: tun.name: expected an interface name of 1..15 characters "
     "[A-Za-z0-9_.-] (optionally with one %d), got \"eth0; flush ruleset\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"name\":\"abcdefghijklmnop\"}}",
     "/etc/tlsvpn/server.json: tun.name: expected an interface name of 1..15 characters "
     "[A-Za-z0-9_.-] (optionally with one %d), got \"abcdefghijklmnop\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"mtu\":575}}",
     "/etc/tlsvpn/server.json: tun.mtu: expected an integer 576..65535, got 575"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"mtu\":65536}}",
     "/etc/tlsvpn/server.json: tun.mtu: expected an integer 576..65535, got 65536"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"mtu\":\"1500\"}}",
     "/etc/tlsvpn/server.json: tun.mtu: expected an integer 576..65535, got \"1500\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"tun\":{\"offload\":\"yes\"}}",
     "/etc/tlsvpn/server.json: tun.offload: expected true or false, got \"yes\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"route\":[]}}",
     "/etc/tlsvpn/server.json: push.route: unknown key (allowed: redirect_gateway, routes, dns)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"redirect_gateway\":\"yes\"}}",
     "/etc/tlsvpn/server.json: push.redirect_gateway: expected true or false, got \"yes\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"routes\":\"192.0.2.0/24\"}}",
     "/etc/tlsvpn/server.json: push.routes: expected an array, got \"192.0.2.0/24\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"routes\":[\"192.0.2.1/24\"]}}",
     "/etc/tlsvpn/server.json: push.routes[0]: expected a network prefix with no host bits set, "
     "like 10.8.0.0/24, got \"192.0.2.1/24\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"routes\":[\"192.0.2.0/24\",7]}}",
     "/etc/tlsvpn/server.json: push.routes[1]: expected a prefix like 10.8.0.0/24, got 7"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"routes\":[\"fd00:1::/64\"]}}",
     "/etc/tlsvpn/server.json: push.routes[0]: an IPv6 route needs pool.ipv6"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/"
     "24\"},\"push\":{\"dns\":[\"198.18.2.2\",\"1.1.1.1\",\"8.8.8.8\",\"9.9.9.9\",\"1.0.0.1\"]}}",
     "/etc/tlsvpn/server.json: push.dns: at most 4 servers, got 5"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"push\":{\"dns\":[\"dns.example\"]}}",
     "/etc/tlsvpn/server.json: push.dns[0]: expected an IP address like 10.8.0.1 or fd00:8::1, got "
     "\"dns.example\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"nat\":{\"out_interface\":\"eth0; flush ruleset\"}}",
     "/etc/tlsvpn/server.json: nat.out_interface: expected an interface name of 1..15 characters "
     "[A-Za-z0-9_.-], got \"eth0; flush ruleset\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"nat\":{\"out_interface\":\"eth0\",\"table\":\"a b\"}}",
     "/etc/tlsvpn/server.json: nat.table: expected 1..31 characters [A-Za-z0-9_], got \"a b\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"nat\":{\"iface\":\"eth0\"}}",
     "/etc/tlsvpn/server.json: nat.iface: unknown key (allowed: out_interface, table)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":[]}",
     "/etc/tlsvpn/server.json: clients: expected an object, got []"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":\"10.8.0.10\"}}",
     "/etc/tlsvpn/server.json: clients.alice: expected an object like {\"ipv4\": \"10.8.0.10\"}"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":{\"ipv4\":\"10.8.0.10\",\"ipv6\":\"fd00::1\"}}}",
     "/etc/tlsvpn/server.json: clients.alice.ipv6: unknown key (allowed: ipv4)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":{}}}",
     "/etc/tlsvpn/server.json: clients.alice.ipv4: required key is missing"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":{\"ipv4\":\"10.9.0.10\"}}}",
     "/etc/tlsvpn/server.json: clients.alice.ipv4: 10.9.0.10 is not inside pool.ipv4"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":{\"ipv4\":\"10.8.0.1\"}}}",
     "/etc/tlsvpn/server.json: clients.alice.ipv4: 10.8.0.1 is the network, gateway or broadcast "
     "address of pool.ipv4"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":{\"ipv4\":\"10.8.0.255\"}}}",
     "/etc/tlsvpn/server.json: clients.alice.ipv4: 10.8.0.255 is the network, gateway or broadcast "
     "address of pool.ipv4"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"alice\":{\"ipv4\":\"10.8.0.10\"},\"bob\":{\"ipv4\":\"10.8.0.10\"}}}",
     "/etc/tlsvpn/server.json: clients.bob.ipv4: 10.8.0.10 is already pinned to clients.alice"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"clients\":{\"\":{\"ipv4\":\"10.8.0.10\"}}}",
     "/etc/tlsvpn/server.json: clients: expected certificate common names of 1..64 printable "
     "characters as keys"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"client_to_client\":1}",
     "/etc/tlsvpn/server.json: client_to_client: expected true or false, got 1"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"keepalive\":{\"interval\":0}}",
     "/etc/tlsvpn/server.json: keepalive.interval: expected an integer 1..3600, got 0"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"keepalive\":{\"interval\":10,\"timeout\":10}}",
     "/etc/tlsvpn/server.json: keepalive.timeout: expected an integer 11..86400, got 10"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"keepalive\":{\"interval\":10,\"timeout\":86401}}",
     "/etc/tlsvpn/server.json: keepalive.timeout: expected an integer 11..86400, got 86401"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"keepalive\":{\"every\":10}}",
     "/etc/tlsvpn/server.json: keepalive.every: unknown key (allowed: interval, timeout)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"max_clients\":0}}",
     "/etc/tlsvpn/server.json: limits.max_clients: expected an integer 1..65536, got 0"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"max_clients\":-1}}",
     "/etc/tlsvpn/server.json: limits.max_clients: expected an integer 1..65536, got -1"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"handshake_timeout\":301}}",
     "/etc/tlsvpn/server.json: limits.handshake_timeout: expected an integer 1..300, got 301"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"max_handshakes\":0}}",
     "/etc/tlsvpn/server.json: limits.max_handshakes: expected an integer 1..65536, got 0"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"max_handshakes\":4,\"max_handshakes_per_source\":5}}",
     "/etc/tlsvpn/server.json: limits.max_handshakes_per_source: expected an integer 1..4, got 5"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"queue_bytes\":1000}}",
     "/etc/tlsvpn/server.json: limits.queue_bytes: expected an integer 16384..67108864, got 1000"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"limits\":{\"max_client\":5}}",
     "/etc/tlsvpn/server.json: limits.max_client: unknown key (allowed: max_clients, "
     "handshake_timeout, max_handshakes, max_handshakes_per_source, queue_bytes)"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"user\":\"\"}",
     "/etc/tlsvpn/server.json: user: expected a name of 1..32 characters, got \"\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"user\":7}",
     "/etc/tlsvpn/server.json: user: expected a string, got 7"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"group\":\"nogroup\"}",
     "/etc/tlsvpn/server.json: group: needs \"user\" as well"},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"log\":{\"level\":\"verbose\"}}",
     "/etc/tlsvpn/server.json: log.level: expected error, warn, info or debug, got \"verbose\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"log\":{\"syslog\":\"no\"}}",
     "/etc/tlsvpn/server.json: log.syslog: expected true or false, got \"no\""},
    {"{\"listen\":\"0.0.0.0\",\"ca\":\"ca\",\"cert\":\"c\",\"key\":\"k\",\"pool\":{\"ipv4\":\"10.8."
     "0.0/24\"},\"log\":{\"lvl\":\"info\"}}",
     "/etc/tlsvpn/server.json: log.lvl: unknown key (allowed: level, syslog)"},
    {"[]", "/etc/tlsvpn/server.json: expected a JSON object at the top level"},
    {"{\"listen\":", "/etc/tlsvpn/server.json:1:10: unexpected token near end of file"},
};

START_TEST(test_errors)
{
	const struct bad *b = &bad[_i];
	struct server_config c;
	char err[512] = "";
	int rc = parse(b->json, &c, err, sizeof err);
	if (rc == 0)
		server_config_free(&c);
	ck_assert_msg(rc == -EINVAL, "accepted: %s", b->json);
	ck_assert_str_eq(err, b->err);
}
END_TEST

START_TEST(test_load_file)
{
	struct server_config c;
	char err[512];
	ck_assert_int_eq(server_config_load("/nonexistent/server.json", &c, err, sizeof err),
			 -EINVAL);
	ck_assert_str_eq(err, "/nonexistent/server.json: cannot open: No such file or directory");
}
END_TEST

static Suite *server_config_suite(void)
{
	Suite *s = suite_create("server-config");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_small_things);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(server_config_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
