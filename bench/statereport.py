# SPDX-License-Identifier: LGPL-2.1-or-later
"""The report of bench/state-latency: targets, statistics and how they are printed."""
import os
import platform
import time

import benchenv
from report import LOAD_AT_START, STARTED_AT, git, log_issues, percentile, target_row, verdict

P50_TARGET_MS, P99_TARGET_MS = 2.5, 5.0
LOADED_P99_TARGET_MS = 10.0   # with two CPU hogs running
MIN_CYCLES = 100
FULL_STATE = ("OnExternalPower", "BatteryPercent", "Connectivity", "Metered", "GpuAvailable",
              "SessionLocked", "UserIdle", "LowPowerMode")


def ms(ns):
    return f"{ns / 1e6:.2f} ms" if ns is not None else "-"


def stats(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return {"n": len(values), "min": values[0], "p50": percentile(values, 0.50), "p99": percentile(values, 0.99),
            "max": values[-1], "mean": sum(values) / len(values)}


def header(args, binary, build_type, sanitize):
    dirty = " (+ uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    lines = [f"bgtaskd system-state benchmark, {STARTED_AT}: {cpu} × {os.cpu_count()} CPUs, Linux "
             f"{platform.release()}, load average {' '.join(f'{v:.2f}' for v in LOAD_AT_START)} at the start",
             f"bgtaskd {binary} ({build_type or 'no build type'}{', sanitize ' + sanitize if sanitize else ''}), "
             f"built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(binary)))}; tree at commit "
             f"{git('rev-parse', '--short', 'HEAD') or '?'}{dirty}",
             f"state on {benchenv.fs_type(args.state_root or os.path.dirname(os.environ['TMPDIR']))}"
             f"{' (' + args.state_root + ')' if args.state_root else ''}; {args.cycles} cycles after "
             f"{args.warmup} warm-up, {args.gap_ms:g} ms quiet before each plug-in; idle {args.idle_seconds:g} s "
             f"after {args.settle_seconds:g} s"]
    if build_type not in ("Release", "RelWithDebInfo") or sanitize:
        lines.append("WARNING: not an optimised build; numbers are not comparable to the targets")
    if args.cycles < MIN_CYCLES:
        lines.append(f"WARNING: fewer than {MIN_CYCLES} cycles; p99 is not worth comparing")
    return lines


def row(label, target, measured, result):
    print(target_row(label, target, measured, result, (52, 10, 32)))


def print_latency(lat):
    cycles, errors = lat["cycles"], lat["errors"]
    launch = stats(c.launch for c in cycles)
    hogs = lat["hogs"]
    print(f"\nPlug-in latency{f', loaded with {hogs} CPU hogs' if hogs else ''}, {launch['n']} cycles: "
          "t0 = CLOCK_MONOTONIC just before the AC `change` uevent (online 0 → 1),")
    print("t1 = CLOCK_MONOTONIC first thing in the registered app's Handler1.Launch handler (in the driver)")
    row("", "target", "measured", "result")
    if hogs:
        row("uevent → Launch, p99, loaded", f"≤ {LOADED_P99_TARGET_MS:g} ms", ms(launch["p99"]),
            verdict(launch["p99"] <= LOADED_P99_TARGET_MS * 1e6, len(errors)))
    else:
        row("uevent → Launch, p50", f"≤ {P50_TARGET_MS:g} ms", ms(launch["p50"]),
            verdict(launch["p50"] <= P50_TARGET_MS * 1e6, len(errors)))
        row("uevent → Launch, p99", f"≤ {P99_TARGET_MS:g} ms", ms(launch["p99"]),
            verdict(launch["p99"] <= P99_TARGET_MS * 1e6, len(errors)))
    for label, s in (("uevent → Launch", launch),
                     ("  uevent → SystemState signal", stats(c.state_on for c in cycles)),
                     ("  SystemState signal → Launch",
                      stats(c.launch - c.state_on for c in cycles if c.state_on is not None)),
                     ("unplug: uevent → SystemState signal", stats(c.state_off for c in cycles)),
                     ("floor: bus hop to the app, no bgtaskd", stats(c.floor for c in cycles))):
        if s:
            row(f"{label}, p50/p99/max", "-", f"{ms(s['p50'])} / {ms(s['p99'])} / {ms(s['max'])}", "info")
    print(f"  min {ms(launch['min'])}, mean {ms(launch['mean'])}; warm-up cycles (not counted): "
          f"{', '.join(ms(c.launch) for c in lat['warmup']) or '-'}")
    commit = stats(lat["commits"])
    if commit:
        print(f"  SQLite durable commit (WAL, synchronous=FULL, 1 row) on the state's file system just before the "
              f"cycles: p50 {ms(commit['p50'])}, p99 {ms(commit['p99'])} ({commit['n']} in 1 s); each launch is followed by one (after its Launch call)")
    print(f"  bgtaskd CPU per plug/unplug cycle (submit, lists, launch, completion, unplug): "
          f"{lat['daemon_us']:,.0f} µs; CPUs busy {lat['busy']:.0%}, of which other processes {lat['foreign']:.0%} "
          f"(/proc/stat); load average {' '.join(f'{v:.2f}' for v in lat['load'])} at the end")
    if lat["pressure"]:
        print("  pressure stall (PSI \"some\") during the cycles: " +
              ", ".join(f"{k} {v:.0%}" for k, v in lat["pressure"].items()) +
              " of the time some task waited for it")
    worst = sorted((c for c in cycles if c.launch is not None), key=lambda c: c.launch, reverse=True)[:3]
    print("  slowest cycles (uevent → signal + signal → Launch; floor): " +
          "; ".join(f"{ms(c.launch)} ({ms(c.state_on)} + "
                    f"{ms(c.launch - c.state_on) if c.state_on is not None else '-'}; {ms(c.floor)})" for c in worst))
    if lat["foreign"] > 0.1 and not hogs:
        print("  WARNING: other processes used more than 10 % of the CPUs: every wake-up on the path may wait")
        print("  for a CPU, so the tail is the machine's, not bgtaskd's. Run again on a quiet machine.")
    for e in errors[:5]:
        print(f"  error: {e}")


def print_idle(args, idle):
    i = idle["idle"]
    known = ", ".join(f"{k}={idle['state'][k]}" for k in FULL_STATE)
    print(f"\nIdle, every source live ({known}); after {args.settle_seconds:g} s of settling")
    row("", "target", "measured", "result")
    row(f"wake-ups in {args.idle_seconds:g} s (all threads)", "0", str(i.wakeups), verdict(i.wakeups == 0))
    row(f"CPU time in {args.idle_seconds:g} s (utime+stime)", "-",
        f"{i.cpu_ms:.0f} ms ({i.cpu_us:,.0f} µs schedstat)", "info")
    print(f"  RSS {i.rss_kib / 1024:.1f} MiB ({i.memory['RssAnon'] / 1024:.1f} anonymous + "
          f"{i.memory['RssFile'] / 1024:.1f} files); wake-ups per thread: "
          f"{', '.join(f'{t} {n}' for t, n in idle['per_thread'].items())}")
    print(f"  context switches of the neighbours in the same window: "
          f"{', '.join(f'{k} {v}' for k, v in idle['others'].items())}")
    for bus, wakeups in idle["bystanders"].items():
        row(f"wake-ups: a client joins and leaves the {bus} bus", "0", str(wakeups), verdict(wakeups == 0))
    if idle["strace"] is not None:
        print(f"  strace -f -tt of bgtaskd for {args.strace_seconds:g} s after the idle period "
              f"({len(idle['strace'])} lines):")
        for line in idle["strace"][:20]:
            print(f"    {line}")


def print_report(args, head, lat, loaded, idle, daemons):
    print("\n".join(head))
    print_latency(lat)
    if loaded:
        print_latency(loaded)
    if idle:
        print_idle(args, idle)
    issues = log_issues(daemons)
    print(f"\nNotes\n  daemon logs: {len(issues)} warning/error line(s)")
    for line in issues[:5]:
        print(f"    {line}")
