# SPDX-License-Identifier: LGPL-2.1-or-later
"""The report of the bgtaskd benchmark: targets, per-phase results and how they are printed."""
import contextlib
import io
import os
import platform
import subprocess
import sys
import tempfile
import time

import benchenv

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
SUBMIT_TARGET = 2000            # submits/s, one client
SQLITE_SHARE_TARGET = 0.7       # one client's submits/s, of the durable SQLite commits/s
CONCURRENT_SHARE_TARGET = 0.6   # of the pipelined echo rate, 16 clients
RSS_TARGET_KIB = 16 * 1024      # 10,000 pending
PENDING_SHARE_TARGET = 0.9      # submits/s with 10,000 pending, of the same with none
CPU_GROWTH_TARGET = 2.0         # bgtaskd CPU per submit with 100,000 pending, of the empty daemon's
SCALE_RSS_TARGET_KIB = 32 * 1024
SCALE_PEAK_TARGET_KIB = 48 * 1024
RESTART_TARGET_S = 0.5
REPLAN_TARGET_US = 10_000
FLOOD_P99_TARGET_US = 10_000    # another app's submit while one floods
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
        self.flood = False   # the flood phase: latencies are the other app's only


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



def target_row(label, target, measured, result, widths):
    """One line of a targets table: each column padded to its width, and at least one space
    between columns when a text is wider than its column."""
    cells = [label, target, measured]
    return "  " + "".join(f"{text:<{width - 1}} " for text, width in zip(cells, widths)) + result

def print_report(args, targets, phases, idles, fill, scale, log_issues):
    """Prints the report and writes it, with the plot of the submit series, to args.output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_text(args, targets, phases, idles, fill, scale, log_issues)
    text = out.getvalue()
    print(text, end="")
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "report.txt"), "w") as f:
        f.write(text)
    if scale:
        plot = os.path.join(args.output, "submit-vs-pending.png")
        error = plot_series(scale.series, plot, text.splitlines()[0])
        print(f"bench/run: report in {args.output}/report.txt; plot " +
              (f"in {plot}" if not error else f"not drawn: {error}"), file=sys.stderr)


def print_phases(phases):
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
    print("  The flood phase's calls/s, latencies and CPU per call count the one measured client's calls only.")
    disturbed = [p.label for p in phases if p.foreign > 0.1]
    if disturbed:
        print(f"  WARNING: other processes used more than 10 % of the CPUs during: {'; '.join(disturbed)}.")
        print("  Those numbers are not worth comparing; run again on a quiet machine.")


def lone_rows(commits, committed_echo, one):
    """One synchronous client against SQLite's durable commits, and the ceiling of that ratio:
    the echo server answering after the same commit, i.e. a bus round trip plus a commit."""
    def share(phase):
        return phase.rate / commits.rate if commits.rate else 0.0
    return [
        ("submit, 1 client vs SQLite durable commits", f"≥ {SQLITE_SHARE_TARGET:.0%}",
         f"{one.rate:,.0f} vs {commits.rate:,.0f}/s = {share(one):.0%}",
         verdict(share(one) >= SQLITE_SHARE_TARGET, one.errors)),
        ("  ceiling: echo after a durable commit, 1 client", "-",
         f"{committed_echo.rate:,.0f}/s = {share(committed_echo):.0%}", "info"),
        ("  submit, 1 client vs that ceiling", "-",
         f"{one.rate / committed_echo.rate if committed_echo.rate else 0.0:.0%}", "info"),
    ]


def flood_rows(args, phases):
    rows = []
    for p in phases:
        if p.flood:
            rows.append((f"another app's submit, {args.flooders} apps flooding ×{args.flood_depth}",
                         f"p99 ≤ {FLOOD_P99_TARGET_US / 1000:g} ms",
                         f"p99 {fmt_us(p.p99_us)}, p50 {fmt_us(p.p50_us)}",
                         verdict(p.p99_us <= FLOOD_P99_TARGET_US, p.errors)))
    return rows


def share_row(label, phase, pipelined, counts):
    share = phase.rate / pipelined.rate if pipelined.rate else 0.0
    return (f"{label} vs pipelined echo",
            f"≥ {CONCURRENT_SHARE_TARGET:.0%} = {CONCURRENT_SHARE_TARGET * pipelined.rate:,.0f}/s",
            f"{phase.rate:,.0f}/s = {share:.0%}",
            verdict(share >= CONCURRENT_SHARE_TARGET, phase.errors + pipelined.errors) if counts else "info")


def async_rows(args, pipelined, chained, app_thread, commit_only=None):
    """The asynchronous submits against the pipelined echo: the target (each completion sends the
    next submit on the one thread, as the echo client does) and, for information, the app thread's
    and (--async-only) the same clients' against a server that only commits: the ceiling."""
    label = f"submit, {args.clients} clients, async ×{args.depth}"
    rows = [share_row(label, chained, pipelined, True), share_row(f"{label}, app thread", app_thread, pipelined, False)]
    if commit_only is not None:
        share = commit_only.rate / pipelined.rate if pipelined.rate else 0.0
        rows.append(("  ceiling: the same to a server that only commits", "-",
                     f"{commit_only.rate:,.0f}/s = {share:.0%}", "info"))
    return rows


def print_async_report(args, targets, phases, log_issues):
    """--async-only: the header, the pipelined echo, the two asynchronous submit phases, the same
    against the commit-only server, and the target."""
    print("\n".join(header(args, targets)))
    print_phases(phases)
    print("\nTargets")
    for label, target, measured, result in async_rows(args, *phases):
        print(target_row(label, target, measured, result, (54, 22, 20)))
    print(f"\n  daemon logs: {len(log_issues)} warning/error line(s)")
    for line in log_issues[:5]:
        print(f"    {line}")


def print_flood_report(args, targets, phases, log_issues):
    """--flood-only: the header, the three phases and the flood target."""
    print("\n".join(header(args, targets)))
    print_phases(phases)
    commits, committed_echo, one = phases[0], phases[1], phases[2]
    print("\nTargets")
    for label, target, measured, result in lone_rows(commits, committed_echo, one) + flood_rows(args, phases):
        print(target_row(label, target, measured, result, (46, 22, 26)))
    print(f"  (one client alone: p50 {fmt_us(one.p50_us)}, p99 {fmt_us(one.p99_us)})")
    print(f"\n  daemon logs: {len(log_issues)} warning/error line(s)")
    for line in log_issues[:5]:
        print(f"    {line}")


def print_text(args, targets, phases, idles, fill, scale, log_issues):
    print("\n".join(header(args, targets)))
    if not phases:   # --scale-only
        print_scale(args, scale)
        print(f"\nNotes\n  daemon logs: {len(log_issues)} warning/error line(s)")
        for line in log_issues[:5]:
            print(f"    {line}")
        return
    print_phases(phases)

    # Like for like: the pipelined echo keeps `depth` calls in flight per client, and so do the
    # asynchronous submit clients; the synchronous ones are shown too, for what a plain loop gets.
    commits, committed_echo, one, pipelined, sync_submit, async_submit, app_thread_submit = (
        phases[0], phases[1], phases[4], phases[5], phases[7], phases[8], phases[9])
    rows = [("submit, 1 client", f"≥ {SUBMIT_TARGET:,}/s", f"{one.rate:,.0f}/s",
             verdict(one.rate >= SUBMIT_TARGET, one.errors))]
    rows += lone_rows(commits, committed_echo, one)
    rows += async_rows(args, pipelined, async_submit, app_thread_submit)
    rows.append(share_row(f"submit, {args.clients} clients, sync", sync_submit, pipelined, False))
    rows += flood_rows(args, phases)
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
        print(target_row(label, target, measured, result, (46, 22, 20)))

    if scale:
        print_scale(args, scale)

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




def print_scale(args, scale):
    from scale import PER_APP, SCALE_PENDING, STRANGERS
    total = scale.pending_total
    print(f"\nScale ({total:,} requests over {total // PER_APP:,} apps × {PER_APP}, filled with "
          f"{args.fill_depth} async submits in flight per app, {args.clients} apps at a time)")
    print(f"  {'pending':>9}{'submits/s':>11}{'p50':>11}{'p99':>11}{'bgtaskd':>10}{'bus':>10}{'others':>8}")
    for pending, p in scale.series:
        errors = f"   {p.errors} errors" if p.errors else ""
        print(f"  {pending:>9,}{p.rate:>11,.0f}{fmt_us(p.p50_us):>11}{fmt_us(p.p99_us):>11}{fmt_us(p.server_us):>10}"
              f"{fmt_us(p.bus_us):>10}{p.foreign:>8.0%}{errors}")
    print(f"  each row: {args.clients} apps submitting with the synchronous submit() over {args.phase_seconds:g} s; "
          "bgtaskd and bus: CPU per submit")
    by = dict(scale.series)
    empty, ten_k, top = by.get(0), by.get(10_000), by.get(total)
    rows = []
    if empty and ten_k:
        share = ten_k.rate / empty.rate if empty.rate else 0.0
        rows.append((f"submit, {args.clients} clients, 10,000 pending vs none", f"≥ {PENDING_SHARE_TARGET:.0%}",
                     f"{ten_k.rate:,.0f} vs {empty.rate:,.0f}/s = {share:.0%}",
                     verdict(share >= PENDING_SHARE_TARGET, ten_k.errors + empty.errors)))
    if empty and top:
        growth = top.server_us / empty.server_us if empty.server_us else float("inf")
        rows.append((f"bgtaskd CPU per submit, {total:,} pending", f"≤ {CPU_GROWTH_TARGET:g}× empty",
                     f"{fmt_us(top.server_us)} vs {fmt_us(empty.server_us)} = {growth:.1f}×",
                     verdict(growth <= CPU_GROWTH_TARGET, top.errors + empty.errors)))
    for idle in (scale.idle, scale.restart_idle):
        rows += [(f"idle RSS, {idle.label}", f"≤ {SCALE_RSS_TARGET_KIB // 1024} MiB", f"{idle.rss_kib / 1024:.1f} MiB",
                  verdict(idle.rss_kib <= SCALE_RSS_TARGET_KIB)),
                 (f"peak RSS, {idle.label}", f"≤ {SCALE_PEAK_TARGET_KIB // 1024} MiB", f"{idle.hwm_kib / 1024:.1f} MiB",
                  verdict(idle.hwm_kib <= SCALE_PEAK_TARGET_KIB)),
                 (f"idle wake-ups in {args.idle_seconds:g} s, {idle.label}", "0", f"{idle.wakeups}",
                  verdict(idle.wakeups == 0))]
    for label, wakeups in scale.strangers:
        rows.append((f"wake-ups: {STRANGERS} bus clients come and go, {label}", "0", str(wakeups),
                     verdict(wakeups == 0)))
    if total != SCALE_PENDING:
        print(f"  WARNING: --scale-apps makes {total:,} pending, not {SCALE_PENDING:,}: the targets are for {SCALE_PENDING:,}")
    rows.append((f"restart to first answer, {total:,} pending", f"≤ {RESTART_TARGET_S:g} s",
                 f"{scale.restart_s:.2f} s", verdict(scale.restart_s <= RESTART_TARGET_S)))
    r = scale.replan
    rows.append((f"re-plan after a state change, p50 of {r['changes']}", f"≤ {REPLAN_TARGET_US / 1000:g} ms",
                 f"{r['p50_us'] / 1000:.2f} ms", verdict(r["p50_us"] <= REPLAN_TARGET_US, r["changes"] - r["seen"])))
    alive = "bgtaskd still running" if scale.alive_after_list else "bgtaskd EXITED"
    listed = f"{scale.pending:,} listed" if scale.pending is not None else f"error {scale.pending_error}"
    rows.append((f"ListRequests with {total:,} pending", "answer", f"{listed}; {alive}",
                 verdict(bool(scale.alive_after_list))))
    print(f"  {'':<56}{'target':<20}{'measured':<40}result")
    for label, target, measured, result in rows:
        print(target_row(label, target, measured, result, (56, 20, 40)))
    for n, (requests, errors, seconds) in enumerate(scale.fill):
        print(f"  fill step {n + 1}: {requests:,} requests ({errors} errors) in {seconds:.1f} s = "
              f"{requests / seconds:,.0f} submits/s including process start-up")
    print(f"  re-plan cost: bgtaskd CPU time (schedstat) from a LowPowerMode flip of the ppd mock until bgtaskd is "
          f"quiet again: p50 {r['p50_us']:,.0f} µs, mean {r['mean_us']:,.0f} µs, max {r['max_us']:,.0f} µs; "
          f"the change seen in SystemState {r['seen']}/{r['changes']} times")
    print(f"  requests in the store after the restart: {scale.restart_idle.pending:,}")
    for idle in (scale.idle, scale.restart_idle):
        print(f"  {idle.label}: RSS = {idle.memory['RssAnon'] / 1024:.1f} MiB anonymous + "
              f"{idle.memory['RssFile'] / 1024:.1f} MiB files")
    at = scale.at
    if isinstance(at, dict):
        per_job = at["seconds"] / at["jobs"] * 1000
        top_fill = scale.fill[-1] if scale.fill else None
        ours = f"; bgtaskd's last fill step: {top_fill[2] / max(top_fill[0], 1) * 1000:.2f} ms per request" \
            if top_fill else ""
        print(f"  at now + 1 hour: {at['jobs']:,} one-off jobs queued in {at['seconds']:.1f} s = {per_job:.2f} ms per job "
              f"({at['queued']:,} found in atq, {at['spool_bytes'] / max(at['queued'], 1):,.0f} bytes of spool each; "
              f"removed again){ours}")
    else:
        print(f"  at now + 1 hour: not compared ({at})")


def plot_series(series, path, title):
    """Submits/s and bgtaskd CPU per submit against pending requests, as a PNG. Returns an
    error text when matplotlib is missing or fails, else None."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return f"python3-matplotlib is not installed ({e})"
    pending = [p for p, _ in series]
    fig, (rate, cpu) = plt.subplots(1, 2, figsize=(11, 4.2))
    rate.plot(pending, [ph.rate for _, ph in series], marker="o")
    rate.set_ylabel("submits/s (16 synchronous clients)")
    cpu.plot(pending, [ph.server_us for _, ph in series], marker="o", color="tab:red", label="bgtaskd")
    cpu.plot(pending, [ph.bus_us for _, ph in series], marker="s", color="tab:gray", label="dbus-daemon")
    cpu.set_ylabel("CPU per submit (µs)")
    cpu.legend()
    for ax in (rate, cpu):
        ax.set_xscale("symlog", linthresh=1000)
        ax.set_xlabel("pending requests")
        ax.set_xticks(pending)
        ax.set_xticklabels([f"{p:,}" for p in pending])
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    fig.suptitle(title[:110], fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as e:
        return str(e)
    finally:
        plt.close(fig)
    return None
