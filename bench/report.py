# SPDX-License-Identifier: LGPL-2.1-or-later
"""The report of the bgtaskd benchmark: targets, per-phase results and how they are printed."""
import os
import platform
import subprocess
import tempfile
import time

import benchenv

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
SUBMIT_TARGET = 2000            # submits/s, one client
CONCURRENT_SHARE_TARGET = 0.5   # of the pipelined echo rate, 16 clients
RSS_TARGET_KIB = 16 * 1024
IDLE_PENDING = 10_000
# Taken when the run starts, not when the report is printed a minute later.
STARTED_AT = time.strftime("%Y-%m-%d %H:%M:%S")
LOAD_AT_START = os.getloadavg()


def percentile(sorted_values, q):
    return sorted_values[int(q * (len(sorted_values) - 1))] if sorted_values else float("nan")


class Phase:
    """One measured window: what the clients completed and what server, bus and machine spent.
    server_ns/bus_ns are None when the phase has no server or bus; foreign is the share of all
    CPUs used by processes outside the benchmark (other people's builds make numbers worthless)."""

    def __init__(self, label, seconds, latencies_ns, errors, server_ns, bus_ns, client_ns, busy, foreign):
        self.label, self.calls, self.errors = label, len(latencies_ns), errors
        self.rate = self.calls / seconds
        latencies_ns.sort()
        self.p50_us = percentile(latencies_ns, 0.50) / 1000
        self.p99_us = percentile(latencies_ns, 0.99) / 1000
        self.server_us = None if server_ns is None else server_ns / max(self.calls, 1) / 1000
        self.bus_us = None if bus_ns is None else bus_ns / max(self.calls, 1) / 1000
        self.client_us = client_ns / max(self.calls, 1) / 1000
        self.busy, self.foreign = busy, foreign


def verdict(ok, errors=0):
    return f"INVALID ({errors} errors)" if errors else ("PASS" if ok else "MISS")


def git(*args):
    return subprocess.run(["git", "-C", TOP, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True).stdout.strip()


def header(args, targets):
    dirty = " (+ uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    lines = [f"bgtaskd benchmark, {STARTED_AT}: {cpu} × {os.cpu_count()} CPUs, Linux {platform.release()}, "
             f"load average {' '.join(f'{v:.2f}' for v in LOAD_AT_START)} at the start",
             f"build {os.path.realpath(args.build_dir)} ({targets.get('build_type') or 'no build type'}"
             f"{', sanitize ' + targets['sanitize'] if targets.get('sanitize') else ''}), "
             f"bgtaskd built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(targets['bgtaskd'])))}; "
             f"tree at commit {git('rev-parse', '--short', 'HEAD') or '?'}{dirty}",
             f"state on {benchenv.fs_type(tempfile.gettempdir())} ({tempfile.gettempdir()}); phases "
             f"{args.phase_seconds:g} s; idle {args.idle_seconds:g} s after {args.settle_seconds:g} s; "
             f"{args.clients} clients; pipeline depth {args.depth}"]
    if targets.get("build_type") not in ("Release", "RelWithDebInfo") or targets.get("sanitize"):
        lines.append("WARNING: not an optimised build; numbers are not comparable to the targets")
    return lines


def fmt_us(us):
    return f"{us:,.0f} µs" if us >= 100 else f"{us:.1f} µs"


def print_report(args, targets, phases, idles, fill, log_issues):
    print("\n".join(header(args, targets)))
    print("\nThroughput (calls completed inside the window; latency of each call as its client saw it)")
    print(f"  {'phase':<38}{'calls/s':>9}{'p50':>11}{'p99':>11}{'server':>10}{'bus':>10}{'client':>10}"
          f"{'busy':>6}{'others':>8}")
    for p in phases:
        errors = f"   {p.errors} errors" if p.errors else ""
        server = "-" if p.server_us is None else fmt_us(p.server_us)
        bus = "-" if p.bus_us is None else fmt_us(p.bus_us)
        print(f"  {p.label:<38}{p.rate:>9,.0f}{fmt_us(p.p50_us):>11}{fmt_us(p.p99_us):>11}{server:>10}{bus:>10}"
              f"{fmt_us(p.client_us):>10}{p.busy:>6.0%}{p.foreign:>8.0%}{errors}")
    print("  server, bus, client: CPU time per call of the echo server or bgtaskd, of dbus-daemon and of all")
    print("  clients together. busy: share of all CPUs in use; others: share used by other processes.")
    disturbed = [p.label for p in phases if p.foreign > 0.1]
    if disturbed:
        print(f"  WARNING: other processes used more than 10 % of the CPUs during: {'; '.join(disturbed)}.")
        print("  Those numbers are not worth comparing; run again on a quiet machine.")

    # Like for like: the pipelined echo keeps `depth` calls in flight per client, and so do the
    # asynchronous submit clients; the synchronous ones are shown too, for what a plain loop gets.
    one, pipelined, sync_submit, async_submit = phases[3], phases[4], phases[6], phases[7]
    rows = [
        ("submit, 1 client", f"≥ {SUBMIT_TARGET:,}/s", f"{one.rate:,.0f}/s", verdict(one.rate >= SUBMIT_TARGET, one.errors)),
    ]
    for label, phase, counts in ((f"submit, {args.clients} clients, async ×{args.depth}", async_submit, True),
                                 (f"submit, {args.clients} clients, sync", sync_submit, False)):
        share = phase.rate / pipelined.rate if pipelined.rate else 0.0
        rows.append((f"{label} vs pipelined echo",
                     f"≥ {CONCURRENT_SHARE_TARGET:.0%} = {CONCURRENT_SHARE_TARGET * pipelined.rate:,.0f}/s",
                     f"{phase.rate:,.0f}/s = {share:.0%}",
                     verdict(share >= CONCURRENT_SHARE_TARGET, phase.errors + pipelined.errors) if counts else "info"))
    for idle in idles:
        rows += [
            (f"idle RSS, {idle.label}", f"≤ {RSS_TARGET_KIB / 1024:g} MiB", f"{idle.rss_kib / 1024:.1f} MiB",
             verdict(idle.rss_kib <= RSS_TARGET_KIB)),
            (f"idle wake-ups in {args.idle_seconds:g} s, {idle.label}", "0", f"{idle.wakeups}",
             verdict(idle.wakeups == 0)),
            (f"idle CPU time in {args.idle_seconds:g} s, {idle.label}", "-",
             f"{idle.cpu_ms:.0f} ms ({idle.cpu_us:,.0f} µs)", "info"),
        ]
    print(f"\nTargets ({IDLE_PENDING:,} requests pending in the idle daemon)")
    print(f"  {'':<46}{'target':<22}{'measured':<20}result")
    for label, target, measured, result in rows:
        print(f"  {label:<46}{target:<22}{measured:<20}{result}")

    print("\nNotes")
    submitted, errors, seconds = fill
    print(f"  fill: {submitted:,} requests ({errors} errors) from {args.fill_apps} apps, {args.clients} at a time, "
          f"in {seconds:.1f} s = {submitted / seconds:,.0f} submits/s including process start-up")
    for idle in idles:
        print(f"  idle daemon {idle.label}: {idle.pending:,} pending requests (Manager1.ListRequests, after the "
              f"idle period), {idle.threads} thread(s); RSS = {idle.memory['RssAnon'] / 1024:.1f} MiB anonymous + "
              f"{idle.memory['RssFile'] / 1024:.1f} MiB files; peak RSS so far {idle.hwm_kib / 1024:.1f} MiB")
    print("  idle CPU time: utime+stime (10 ms ticks) and, in parentheses, the schedstat run time")
    print(f"  daemon logs: {len(log_issues)} warning/error line(s)")
    for line in log_issues[:5]:
        print(f"    {line}")


def log_issues(daemons):
    issues = []
    for d in daemons:
        for line in d.log().splitlines():
            if " warning " in line or " error " in line or " critical " in line:
                issues.append(line)
    return issues


