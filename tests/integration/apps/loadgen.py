#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Load for the misbehaving-app tests, as one app on the session bus, until --stop-file exists
(or --count calls were made). Each call is one JSON line in --events:
{"op", "ok", "error", "start", "seconds"}, then {"event": "done"}.

  --mode probe   a well-behaved app: a processing request every --interval seconds (identifiers
                 job0..job4 in turn, due in a day), each Submit timed.
  --mode flood   a misbehaving app: Submit and Cancel in turn as fast as it can, never waiting
                 (identifiers job0..job99; each Cancel removes the request submitted five
                 Submits before, so some Submits find the quota full)."""
import argparse
import json
import os
import time

import dbus


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--app-id", required=True)
    p.add_argument("--mode", choices=("probe", "flood"), required=True)
    p.add_argument("--events", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--count", type=int, default=0, help="stop after this many calls (0: no limit)")
    p.add_argument("--interval", type=float, default=0.05)
    args = p.parse_args()

    bus = dbus.SessionBus()
    bus.request_name(args.app_id, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    sched = dbus.Interface(bus.get_object("org.bgtaskd", "/org/bgtaskd"), "org.bgtaskd.Scheduler1")
    later = dbus.Dictionary({"EarliestBeginDate": dbus.Int64(int((time.time() + 86400) * 1_000_000))},
                            signature="sv")
    spread = 5 if args.mode == "probe" else 100
    with open(args.events, "a") as out:
        out.write(json.dumps({"event": "ready", "start": time.time()}) + "\n")
        out.flush()
        i = 0
        while not os.path.exists(args.stop_file) and (args.count == 0 or i < args.count):
            # The flood cancels what it submitted five pairs of calls before.
            op = "cancel" if args.mode == "flood" and i % 2 else "submit"
            n = i if args.mode == "probe" else i // 2 - (5 if op == "cancel" else 0)
            identifier = f"{args.app_id}.job{n % spread}"
            start = time.time()
            t0 = time.monotonic()
            try:
                if op == "submit":
                    sched.Submit("processing", identifier, later)
                else:
                    sched.Cancel(identifier)
                error = None
            except dbus.exceptions.DBusException as e:
                error = f"{e.get_dbus_name()}: {e.get_dbus_message()}"
            seconds = time.monotonic() - t0
            out.write(json.dumps({"op": op, "identifier": identifier, "ok": error is None, "error": error,
                                  "start": start, "seconds": seconds}) + "\n")
            out.flush()
            i += 1
            if args.mode == "probe":
                time.sleep(args.interval)
        out.write(json.dumps({"event": "done", "start": time.time()}) + "\n")


if __name__ == "__main__":
    main()
