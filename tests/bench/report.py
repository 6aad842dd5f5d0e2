#!/usr/bin/env python3
"""Turns tests/bench/run's raw results into the table, the JSON and the chart.

  report.py RESULTS.tsv META.tsv [--json FILE] [--png FILE] [--workdir DIR]

RESULTS.tsv: "path<TAB>metric<TAB>round<TAB>value" per measurement.
META.tsv:    "key<TAB>value" (the last value of a key wins).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

PATHS = ["tlsvpn", "tlsvpn-aes", "openvpn", "ocserv", "plain"]
OURS = ["tlsvpn", "tlsvpn-aes"]

# metric: (label, unit, higher is better)
METRICS = [
    ("up", "TCP up, 1 stream", "Mb/s", True),
    ("down", "TCP down, 1 stream", "Mb/s", True),
    ("up4", "TCP up, 4 streams", "Mb/s", True),
    ("down4", "TCP down, 4 streams", "Mb/s", True),
    ("pps", "UDP 64 B received", "pkt/s", True),
    ("rtt_p50", "ping RTT p50", "ms", False),
    ("rtt_p99", "ping RTT p99", "ms", False),
    ("cpu_s_per_gb", "CPU per GB (VPN procs)", "s/GB", False),
    ("ttfp_ms", "start to first packet", "ms", False),
    ("ttfp_steal_ms", "  host steal per start", "ms", False),
    ("ttfp_retimed", "  starts re-timed (steal)", "", False),
    ("reconnect_ms", "reconnect (resumption)", "ms", False),
    ("reconnect_wait_ms", "  of which backoff wait", "ms", False),
    ("reconnect_net_ms", "  reconnect minus wait", "ms", False),
    ("hs_per_s", "full handshakes/s (server)", "1/s", True),
    ("hs_server_cpu_ms", "  server CPU per handshake", "ms", False),
    ("hs_per_core_s", "  per busy server core", "1/s", True),
    ("hs_server_busy", "  server CPU busy (1 = core)", "", False),
    ("bare_tcp_hs_per_s", "bare mbedTLS server, same load", "1/s", True),
    ("bare_tcp_server_cpu_ms", "  its CPU per handshake", "ms", False),
    ("bare_hs_per_s", "bare loop, socketpairs, 1 core", "1/s", True),
    ("bare_server_cpu_ms", "  its server CPU/handshake", "ms", False),
    ("rss_kib_per_client", "server RSS per idle client", "KiB", False),
]


def load(results, meta):
    data = {}
    with open(results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4 or parts[3] == "":
                continue
            try:
                v = float(parts[3])
            except ValueError:
                continue
            data.setdefault(parts[1], {}).setdefault(parts[0], []).append(v)
    m = {}
    with open(meta) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            m[k] = v
    return data, m


def stats(values):
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def med(fig, metric, path):
    s = fig.get(metric, {}).get(path)
    return s["median"] if s else None


def fmt(x):
    if x is None:
        return "-"
    if x == int(x):
        return "%d" % x  # counts, and whole figures, need no decimals
    if abs(x) >= 1000:
        return "%.0f" % x
    if abs(x) >= 100:
        return "%.1f" % x
    if abs(x) >= 10:
        return "%.2f" % x
    return "%.3f" % x


def cell(s):
    if s is None:
        return "-"
    if s["min"] == s["max"]:
        return fmt(s["median"])
    return "%s [%s-%s]" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


# Figures about the machine, not the VPN: a ratio between paths means nothing.
NO_RATIO = {"ttfp_steal_ms", "ttfp_retimed"}


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def bare_per_core(fig, path, tcp):
    """Handshakes one fully busy core of the bare mbedTLS server completes."""
    if not tcp:
        return med(fig, "bare_hs_per_s", path)  # the socketpair loop's is per core
    ms = med(fig, "bare_tcp_server_cpu_ms", path)
    return 1000 / ms if ms else None


def targets(fig):
    """The issue's targets, each checked for both tlsvpn suites."""
    out = []

    def add(text, ours_metric, value_of, limit, higher):
        for p in OURS:
            v = value_of(p)
            ok = None if v is None else (v >= limit if higher else v <= limit)
            out.append({"target": text, "path": p, "metric": ours_metric,
                        "value": v, "limit": limit, "met": ok})

    for mt in ("up", "down", "up4", "down4"):
        add("%s >= 2x OpenVPN" % mt, mt,
            lambda p, mt=mt: ratio(med(fig, mt, p), med(fig, mt, "openvpn")), 2.0, True)
        add("%s >= 1.5x ocserv" % mt, mt,
            lambda p, mt=mt: ratio(med(fig, mt, p), med(fig, mt, "ocserv")), 1.5, True)
    add("pps >= 1.5x OpenVPN", "pps",
        lambda p: ratio(med(fig, "pps", p), med(fig, "pps", "openvpn")), 1.5, True)
    add("rtt_p50 <= 0.75x OpenVPN", "rtt_p50",
        lambda p: ratio(med(fig, "rtt_p50", p), med(fig, "rtt_p50", "openvpn")), 0.75, False)
    add("rtt_p50 <= ocserv", "rtt_p50",
        lambda p: ratio(med(fig, "rtt_p50", p), med(fig, "rtt_p50", "ocserv")), 1.0, False)
    add("cpu_s_per_gb <= 0.5x OpenVPN", "cpu_s_per_gb",
        lambda p: ratio(med(fig, "cpu_s_per_gb", p), med(fig, "cpu_s_per_gb", "openvpn")),
        0.5, False)
    add("ttfp <= OpenVPN", "ttfp_ms",
        lambda p: ratio(med(fig, "ttfp_ms", p), med(fig, "ttfp_ms", "openvpn")), 1.0, False)
    add("reconnect <= 0.5x OpenVPN start", "reconnect_ms",
        lambda p: ratio(med(fig, "reconnect_ms", p), med(fig, "ttfp_ms", "openvpn")), 0.5,
        False)
    add("RSS per idle client < 64 KiB", "rss_kib_per_client",
        lambda p: med(fig, "rss_kib_per_client", p), 64.0, False)
    # The ceiling is mbedTLS alone serving the same generator; runs from
    # before bench-tls bare-server only have the socketpair loop.
    tcp = "bare_tcp_hs_per_s" in fig
    bare = "bare_tcp_hs_per_s" if tcp else "bare_hs_per_s"
    add("handshakes/s >= 0.8x bare mbedTLS", "hs_per_s",
        lambda p: ratio(med(fig, "hs_per_s", p), med(fig, bare, p)), 0.8, True)
    add("handshakes/s per core >= 0.8x bare mbedTLS", "hs_per_core_s",
        lambda p: ratio(med(fig, "hs_per_core_s", p), bare_per_core(fig, p, tcp)), 0.8, True)
    # RSS and handshakes are measured with the default suite only.
    return [t for t in out if t["value"] is not None]


def table(fig):
    lines = []
    hdr = ["figure", "unit"] + PATHS + ["tlsvpn/ovpn", "tlsvpn/ocserv", "aes/ovpn", "aes/ocserv"]
    rows = []
    for key, label, unit, _ in METRICS:
        if key not in fig:
            continue
        r = [label, unit] + [cell(fig[key].get(p)) for p in PATHS]
        for ours in OURS:
            for peer in ("openvpn", "ocserv"):
                x = None if key in NO_RATIO else ratio(med(fig, key, ours), med(fig, key, peer))
                r.append("-" if x is None else "%.2f" % x)
        rows.append(r)
    widths = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    fmtrow = lambda r: "  ".join(str(c).ljust(widths[i]) if i < 2 else str(c).rjust(widths[i])
                                 for i, c in enumerate(r))
    lines.append(fmtrow(hdr))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append(fmtrow(r))
    return lines


def chart(fig, png, workdir):
    # The plain path is 10x the tunnels: it goes into the titles, not the bars.
    vpns = [p for p in PATHS if p != "plain"]
    tpm = [m for m in ("up", "down", "up4", "down4") if m in fig]
    rtm = [m for m in ("rtt_p50", "rtt_p99") if m in fig]
    tp = os.path.join(workdir, "chart-tp.dat")
    rt = os.path.join(workdir, "chart-rtt.dat")
    for name, metrics in ((tp, tpm), (rt, rtm)):
        with open(name, "w") as f:
            f.write("path " + " ".join(m.replace("rtt_", "") for m in metrics) + "\n")
            for p in vpns:
                f.write(p + " " + " ".join("%.4f" % (med(fig, m, p) or 0) for m in metrics) + "\n")
    ceil_tp = ", ".join("%s %s" % (m, fmt(med(fig, m, "plain"))) for m in tpm
                        if med(fig, m, "plain") is not None)
    ceil_rt = ", ".join("%s %s" % (m[4:], fmt(med(fig, m, "plain"))) for m in rtm
                        if med(fig, m, "plain") is not None)
    plot_tp = ", ".join(("'%s' using %d:xtic(1)" % (tp, i + 2)) if i == 0 else "'' using %d" % (i + 2)
                        for i in range(len(tpm)))
    plot_rt = ", ".join(("'%s' using %d:xtic(1)" % (rt, i + 2)) if i == 0 else "'' using %d" % (i + 2)
                        for i in range(len(rtm)))
    script = """
set terminal %s size 1400,560 noenhanced
set output '%s'
set multiplot layout 1,2 title 'tlsvpn benchmark (medians)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside bottom center horizontal autotitle columnheader
set grid ytics
set yrange [0:*]
set title "iperf3 TCP throughput, Mb/s\\n(plain routed path: %s)"
plot %s
set title "ping RTT, ms\\n(plain routed path: %s)"
plot %s
unset multiplot
"""
    r = None
    for term in ("pngcairo", "png"):
        r = subprocess.run(["gnuplot"], input=script % (term, png, ceil_tp or "-", plot_tp,
                                                           ceil_rt or "-", plot_rt),
                           text=True, capture_output=True)
        if r.returncode == 0 and os.path.exists(png) and os.path.getsize(png) > 0:
            return True
    sys.stderr.write("report: gnuplot failed: %s\n" % r.stderr.strip())
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("meta")
    ap.add_argument("--json")
    ap.add_argument("--png")
    ap.add_argument("--workdir", default=".")
    a = ap.parse_args()
    data, meta = load(a.results, a.meta)
    fig = {m: {p: stats(v) for p, v in by.items()} for m, by in data.items()}
    tg = targets(fig)

    print()
    print("tlsvpn benchmark (issue 5): %s" % meta.get("mode", ""))
    print("machine: %s" % meta.get("machine", ""))
    print("versions: %s" % meta.get("versions", ""))
    print("load average before/after: %s / %s; CPU idle just before: %s%%; took %s s" %
          (meta.get("load_before", "?"), meta.get("load_after", "?"),
           meta.get("idle_before_pct", "?"), meta.get("duration_s", "?")))
    print("vCPU time taken by the hypervisor (steal) during the run: %s%%" %
          meta.get("steal_pct", "?"))
    for p in PATHS:
        s, mtu = meta.get(p + ".suite"), meta.get(p + ".mtu")
        extra = ""
        if p + ".reconnect_resumed" in meta:
            extra = ", reconnect resumed the session: %s" % meta[p + ".reconnect_resumed"]
        if s or mtu:
            print("  %-10s suite %s; tunnel MTU %s%s" % (p, s or "-", mtu or "-", extra))
    if "tlsvpn.hs_suite" in meta:
        print("  handshake load: suite %s, %s failed connections; idle clients: %s "
              "(RSS %s -> %s KiB; certificates issued in %s s)" %
              (meta.get("tlsvpn.hs_suite"), meta.get("tlsvpn.hs_errors", "?"),
               meta.get("idle.clients", "-"), meta.get("idle.rss0_kib", "?"),
               meta.get("idle.rss_kib", "?"), meta.get("idle.cert_issue_s", "?")))
    if "idle.smaps" in meta:
        print("  server memory with the idle clients: %s" % meta["idle.smaps"])
    print("cells: median [min-max] over the rounds; ratios of medians")
    print()
    for line in table(fig):
        print(line)
    print()
    print("targets (issue 5):")
    for t in tg:
        print("  %-34s %-10s %8s  %s" % (t["target"], t["path"], fmt(t["value"]),
                                         "ok" if t["met"] else "MISSED"))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "figures": fig, "targets": tg,
                       "ratios": {m: {"%s/%s" % (o, p): ratio(med(fig, m, o), med(fig, m, p))
                                      for o in OURS for p in ("openvpn", "ocserv")}
                                  for m in fig if m not in NO_RATIO}}, f, indent=2)
    if a.png:
        chart(fig, a.png, a.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
