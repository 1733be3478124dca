#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test app of libapp.cpp again, on libbgtask's C API through ctypes: the same line protocol
(commands on stdin, JSON replies and events on stdout), so that test_library_capi.py runs the
C++ API's tests against the C API, the way a language binding uses it.

  --library PATH   libbgtask.so.0 to load
  --loop library|fd
"""
import argparse
import ctypes
import json
import os
import select
import sys
import threading
import time
import urllib.parse
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_bool, c_char_p, c_int, c_int64, c_size_t,
                    c_uint, c_void_p)

KINDS = ["app-refresh", "processing", "health-research", "continued-processing"]
NETWORK_TYPES = [None, "any", "connected", "unmetered"]
PROTECTIONS = [None, "none", "complete", "complete-unless-open", "complete-until-first-user-authentication"]
REASONS = ["time-limit", "external-power-lost", "network-lost", "session-locked", "user-active",
           "user-cancelled", "stalled", "simulated", "app-cancelled", "daemon-shutdown", "other"]
STATUSES = ["restricted", "denied", "available"]
GPU = 1


class Error(Structure):
    _fields_ = [("code", c_int), ("apple_code", c_int), ("sub_reason", c_char_p), ("message", c_char_p)]


LAUNCH = CFUNCTYPE(None, c_void_p, c_void_p)
EXPIRE = CFUNCTYPE(None, c_void_p, c_int, c_char_p, c_void_p)
COMPLETION = CFUNCTYPE(None, POINTER(Error), c_void_p)
PENDING = CFUNCTYPE(None, POINTER(c_void_p), c_size_t, POINTER(Error), c_void_p)
REFRESH_STATUS = CFUNCTYPE(None, c_int, c_void_p)
ERR = POINTER(POINTER(Error))


def load(path):
    lib = ctypes.CDLL(path)
    sig = {
        "bgtask_error_free": (None, [POINTER(Error)]),
        "bgtask_error_code_to_string": (c_char_p, [c_int]),
        "bgtask_scheduler_set_application_id": (c_int, [c_char_p, c_char_p, ERR]),
        "bgtask_scheduler_get_application_id": (c_void_p, []),
        "bgtask_scheduler_register": (c_int, [c_char_p, LAUNCH, c_void_p, ERR]),
        "bgtask_scheduler_register_continued": (c_int, [c_char_p, LAUNCH, c_void_p, ERR]),
        "bgtask_scheduler_launch_finished": (None, []),
        "bgtask_scheduler_submit": (c_int, [c_void_p, ERR]),
        "bgtask_scheduler_submit_async": (c_int, [c_void_p, COMPLETION, c_void_p, ERR]),
        "bgtask_scheduler_schedule_periodic": (c_int, [c_void_p, c_int64, c_int64, c_int64, c_int64, ERR]),
        "bgtask_scheduler_submit_with_retry": (c_int, [c_void_p, c_int64, c_int64, ERR]),
        "bgtask_scheduler_cancel": (c_int, [c_char_p, ERR]),
        "bgtask_scheduler_cancel_async": (c_int, [c_char_p, COMPLETION, c_void_p, ERR]),
        "bgtask_scheduler_cancel_all": (c_int, [ERR]),
        "bgtask_scheduler_cancel_all_async": (c_int, [COMPLETION, c_void_p, ERR]),
        "bgtask_scheduler_get_pending_requests": (c_int, [POINTER(POINTER(c_void_p)), POINTER(c_size_t), ERR]),
        "bgtask_scheduler_get_pending_requests_async": (c_int, [PENDING, c_void_p, ERR]),
        "bgtask_request_array_free": (None, [POINTER(c_void_p), c_size_t]),
        "bgtask_scheduler_get_supported_resources": (c_uint, []),
        "bgtask_scheduler_get_background_refresh_status": (c_int, []),
        "bgtask_scheduler_set_refresh_status_handler": (c_int, [c_void_p, c_void_p, ERR]),
        "bgtask_scheduler_use_external_event_loop": (c_int, [ERR]),
        "bgtask_scheduler_get_fd": (c_int, []),
        "bgtask_scheduler_process": (None, []),
        "bgtask_request_new": (c_void_p, [c_int, c_char_p]),
        "bgtask_request_free": (None, [c_void_p]),
        "bgtask_request_get_kind": (c_int, [c_void_p]),
        "bgtask_request_get_identifier": (c_char_p, [c_void_p]),
        "bgtask_request_set_earliest_begin_date": (c_int, [c_void_p, c_int64]),
        "bgtask_request_get_earliest_begin_date": (c_int64, [c_void_p]),
        "bgtask_request_set_requires_network_connectivity": (c_int, [c_void_p, c_bool]),
        "bgtask_request_get_requires_network_connectivity": (c_bool, [c_void_p]),
        "bgtask_request_set_requires_external_power": (c_int, [c_void_p, c_bool]),
        "bgtask_request_get_requires_external_power": (c_bool, [c_void_p]),
        "bgtask_request_set_network_type": (c_int, [c_void_p, c_int]),
        "bgtask_request_get_network_type": (c_int, [c_void_p]),
        "bgtask_request_set_requires_battery_not_low": (c_int, [c_void_p, c_bool]),
        "bgtask_request_get_requires_battery_not_low": (c_bool, [c_void_p]),
        "bgtask_request_set_protection_type": (c_int, [c_void_p, c_int]),
        "bgtask_request_get_protection_type": (c_int, [c_void_p]),
        "bgtask_request_set_title": (c_int, [c_void_p, c_char_p]),
        "bgtask_request_get_title": (c_char_p, [c_void_p]),
        "bgtask_request_set_subtitle": (c_int, [c_void_p, c_char_p]),
        "bgtask_request_get_subtitle": (c_char_p, [c_void_p]),
        "bgtask_request_set_strategy": (c_int, [c_void_p, c_int]),
        "bgtask_request_get_strategy": (c_int, [c_void_p]),
        "bgtask_request_set_required_resources": (c_int, [c_void_p, c_uint]),
        "bgtask_request_get_required_resources": (c_uint, [c_void_p]),
        "bgtask_task_ref": (c_void_p, [c_void_p]),
        "bgtask_task_unref": (None, [c_void_p]),
        "bgtask_task_get_identifier": (c_char_p, [c_void_p]),
        "bgtask_task_get_kind": (c_int, [c_void_p]),
        "bgtask_task_get_deadline": (c_int64, [c_void_p]),
        "bgtask_task_is_simulated": (c_bool, [c_void_p]),
        "bgtask_task_set_expiration_handler": (None, [c_void_p, EXPIRE, c_void_p]),
        "bgtask_task_set_completed": (None, [c_void_p, c_bool]),
        "bgtask_task_is_completed": (c_bool, [c_void_p]),
        "bgtask_task_set_progress": (c_int, [c_void_p, c_int64, c_int64]),
        "bgtask_task_get_completed_unit_count": (c_int64, [c_void_p]),
        "bgtask_task_get_total_unit_count": (c_int64, [c_void_p]),
        "bgtask_task_update_title": (c_int, [c_void_p, c_char_p, c_char_p]),
        "bgtask_task_get_title": (c_void_p, [c_void_p]),
        "bgtask_task_get_subtitle": (c_void_p, [c_void_p]),
        "bgtask_task_get_checkpoint": (c_void_p, [c_void_p, POINTER(c_size_t)]),
        "bgtask_task_save_checkpoint": (c_int, [c_void_p, c_char_p, c_size_t, POINTER(POINTER(Error))]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class CallFailed(Exception):
    def __init__(self, fields):
        super().__init__(fields)
        self.fields = fields



def thread_read_calls():
    """Read-like system calls of the calling thread (task I/O accounting: read() and the like,
    failed ones too, not recvmsg()); -1 when unknown."""
    try:
        with open("/proc/thread-self/io") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key == "syscr":
                    return int(value)
    except OSError:
        pass
    return -1

class App:
    def __init__(self, lib):
        self.lib = lib
        self.libc = ctypes.CDLL(None)
        self.libc.free.argtypes = [c_void_p]
        self.out_lock = threading.Lock()
        self.labels = {}
        self.main = threading.get_ident()
        self.tasks = {}          # identifier -> task pointer (we hold a reference)
        self.keep = []           # ctypes callbacks must outlive the calls that use them
        self.launch_cb = LAUNCH(self.on_launch)
        self.behaviors = {}
        self.process_calls = 0   # --loop fd: calls of bgtask_scheduler_process() ("process-calls")

    # ---- output -------------------------------------------------------------------------
    def write(self, obj):
        with self.out_lock:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()

    def event(self, **fields):
        ident = threading.get_ident()
        if ident == self.main:
            label = "main"
        else:
            label = self.labels.setdefault(ident, f"t{len(self.labels) + 1}")
        self.write({**fields, "thread": label, "time": time.time()})

    def error_fields(self, err):
        e = err.contents
        return {"ok": False, "code": self.lib.bgtask_error_code_to_string(e.code).decode(),
                "appleCode": e.apple_code, "subReason": e.sub_reason.decode(), "message": e.message.decode()}

    def check(self, rc, err):
        """Raises CallFailed for rc == -1, freeing the error."""
        if rc == -1:
            fields = self.error_fields(err)
            self.lib.bgtask_error_free(err)
            raise CallFailed(fields)
        return rc

    def string(self, pointer):
        text = ctypes.string_at(pointer).decode() if pointer else None
        self.libc.free(pointer)
        return text

    # ---- requests ---------------------------------------------------------------------------
    def request(self, words):
        kind = KINDS.index(words[1])
        opts = dict(w.split("=", 1) for w in words[3:] if "=" in w)
        lib = self.lib
        r = lib.bgtask_request_new(kind, words[2].encode())
        if "in" in opts:
            lib.bgtask_request_set_earliest_begin_date(r, int((time.time() + float(opts["in"])) * 1e6))
        lib.bgtask_request_set_requires_network_connectivity(r, opts.get("network") == "1")
        lib.bgtask_request_set_requires_external_power(r, opts.get("power") == "1")
        lib.bgtask_request_set_requires_battery_not_low(r, opts.get("battery") == "1")
        if "network-type" in opts:
            lib.bgtask_request_set_network_type(r, NETWORK_TYPES.index(opts["network-type"]))
        if "protection" in opts:
            lib.bgtask_request_set_protection_type(r, PROTECTIONS.index(opts["protection"]))
        if kind == 3:
            lib.bgtask_request_set_title(r, opts.get("title", "").encode())
            lib.bgtask_request_set_subtitle(r, opts.get("subtitle", "").encode())
            lib.bgtask_request_set_strategy(r, 1 if opts.get("strategy") == "fail" else 0)
            lib.bgtask_request_set_required_resources(r, GPU if opts.get("gpu") == "1" else 0)
        return r

    def request_json(self, r):
        lib = self.lib
        kind = lib.bgtask_request_get_kind(r)
        out = {"kind": KINDS[kind], "identifier": lib.bgtask_request_get_identifier(r).decode()}
        earliest = lib.bgtask_request_get_earliest_begin_date(r)
        if earliest:
            out["earliest"] = earliest
        if kind in (1, 2):
            out.update(network=lib.bgtask_request_get_requires_network_connectivity(r),
                       power=lib.bgtask_request_get_requires_external_power(r),
                       battery=lib.bgtask_request_get_requires_battery_not_low(r))
            network_type = NETWORK_TYPES[lib.bgtask_request_get_network_type(r)]
            if network_type:
                out["networkType"] = network_type
        if kind == 2:
            protection = PROTECTIONS[lib.bgtask_request_get_protection_type(r)]
            if protection:
                out["protection"] = protection
        if kind == 3:
            out.update(title=lib.bgtask_request_get_title(r).decode(),
                       subtitle=lib.bgtask_request_get_subtitle(r).decode(),
                       strategy="fail" if lib.bgtask_request_get_strategy(r) == 1 else "queue",
                       gpu=bool(lib.bgtask_request_get_required_resources(r) & GPU))
        return out

    def submit_chain(self, words, left):
        """left asynchronous submits, each sent from the completion of the one before."""
        def done(err, _user_data):
            if err or left <= 1:
                self.event(event="chain-done", left=left - 1, **(self.error_fields(err) if err else {"ok": True}))
            else:
                self.submit_chain(words, left - 1)
        cb = COMPLETION(done)
        self.keep.append(cb)
        r = self.request(words)
        err = POINTER(Error)()
        try:
            self.check(self.lib.bgtask_scheduler_submit_async(r, cb, None, byref(err)), err)
        finally:
            self.lib.bgtask_request_free(r)

    def completion(self, name, **extra):
        def done(err, _user_data):
            if err:
                self.event(event=name, **extra, **self.error_fields(err))
            else:
                self.event(event=name, ok=True, **extra)
        cb = COMPLETION(done)
        self.keep.append(cb)
        return cb

    # ---- tasks ------------------------------------------------------------------------------
    def on_launch(self, task, _user_data):
        lib = self.lib
        ident = lib.bgtask_task_get_identifier(task).decode()
        kind = lib.bgtask_task_get_kind(task)
        launch = {"event": "launch", "identifier": ident, "kind": KINDS[kind],
                  "simulated": lib.bgtask_task_is_simulated(task),
                  "hasDeadline": lib.bgtask_task_get_deadline(task) != 0, "isContinuedTask": kind == 3}
        if kind == 3:
            launch.update(title=self.string(lib.bgtask_task_get_title(task)),
                          subtitle=self.string(lib.bgtask_task_get_subtitle(task)))
        self.event(**launch)
        self.tasks[ident] = lib.bgtask_task_ref(task)
        behavior = self.behaviors.get(ident, "complete")
        if behavior != "hold-no-expiration-handler":
            lib.bgtask_task_set_expiration_handler(task, self.expire_cb, None)
        if behavior == "complete-in-handler":
            lib.bgtask_task_set_completed(task, True)
        elif behavior == "progress-and-complete-in-handler":
            lib.bgtask_task_set_progress(task, 1, 2)
            lib.bgtask_task_set_progress(task, 2, 2)
            lib.bgtask_task_set_completed(task, True)
        elif behavior == "resubmit":
            r = self.request(["submit", "app-refresh", ident, "in=3600"])
            err = POINTER(Error)()
            self.check(lib.bgtask_scheduler_submit(r, byref(err)), err)
            lib.bgtask_request_free(r)
            lib.bgtask_task_set_completed(task, True)
        elif behavior in ("complete", "fail"):
            held = self.tasks[ident]
            threading.Timer(0.05, lib.bgtask_task_set_completed, (held, behavior == "complete")).start()
        elif behavior.startswith("export:"):
            threading.Thread(target=self.export, args=(self.tasks[ident], int(behavior[7:]))).start()

    def on_expire(self, task, reason, reason_name, _user_data):
        self.event(event="expire", identifier=self.lib.bgtask_task_get_identifier(task).decode(),
                   reason=reason_name.decode(), code=REASONS[reason])
        self.lib.bgtask_task_set_completed(task, False)

    def export(self, task, steps):
        lib = self.lib
        started = time.monotonic()
        for i in range(1, steps + 1):
            lib.bgtask_task_set_progress(task, i, steps)
            if i == steps // 2:
                lib.bgtask_task_update_title(task, b"Exporting", b"half way")
            time.sleep(0.001)
        completed = lib.bgtask_task_get_completed_unit_count(task)
        total = lib.bgtask_task_get_total_unit_count(task)
        self.event(event="export-done", identifier=lib.bgtask_task_get_identifier(task).decode(),
                   completedUnits=completed, totalUnits=total, finished=total > 0 and completed >= total,
                   title=self.string(lib.bgtask_task_get_title(task)),
                   subtitle=self.string(lib.bgtask_task_get_subtitle(task)),
                   ms=int((time.monotonic() - started) * 1000))
        lib.bgtask_task_set_completed(task, True)

    # ---- commands -----------------------------------------------------------------------------
    def dispatch(self, line):
        words = [urllib.parse.unquote(w) for w in line.split()]
        if not words:
            return True
        reply = {"reply": words[0]}
        if words[0] == "quit":
            self.write({**reply, "ok": True})
            return False
        try:
            reply.update(self.run(words) or {})
            reply.setdefault("ok", True)
        except CallFailed as e:
            reply.update(e.fields)
        except Exception as e:   # noqa: BLE001 - the test reads every failure from the reply
            reply.update(ok=False, code="TestApp", message=repr(e))
        self.write(reply)
        return True

    def run(self, w):
        lib = self.lib
        err = POINTER(Error)()
        cmd = w[0]
        if cmd == "app":
            bus = w[2].encode() if len(w) > 2 else None
            self.check(lib.bgtask_scheduler_set_application_id(w[1].encode(), bus, byref(err)), err)
        elif cmd == "app-id":
            return {"appId": self.string(lib.bgtask_scheduler_get_application_id()) or ""}
        elif cmd in ("register", "register-continued"):
            self.behaviors[w[1]] = w[2] if len(w) > 2 else "complete"
            fn = lib.bgtask_scheduler_register if cmd == "register" else lib.bgtask_scheduler_register_continued
            rc = self.check(fn(w[1].encode(), self.launch_cb, None, byref(err)), err)
            return {"registered": rc == 1}
        elif cmd == "launch-finished":
            lib.bgtask_scheduler_launch_finished()
            return {"launchFinished": True}
        elif cmd in ("submit", "submit-async"):
            r = self.request(w)
            try:
                if cmd == "submit":
                    self.check(lib.bgtask_scheduler_submit(r, byref(err)), err)
                else:
                    cb = self.completion("submit-done", identifier=w[2])
                    self.check(lib.bgtask_scheduler_submit_async(r, cb, None, byref(err)), err)
            finally:
                lib.bgtask_request_free(r)
        elif cmd == "submit-chain":
            self.submit_chain(w, int(dict(x.split("=", 1) for x in w[3:] if "=" in x).get("count", "1")))
        elif cmd == "process-calls":
            return {"calls": self.process_calls}
        elif cmd == "read-calls":
            return {"calls": thread_read_calls()}
        elif cmd in ("schedule-periodic", "submit-retry"):
            r = self.request(w)
            opts = dict(x.split("=", 1) for x in w[3:] if "=" in x)
            usec = lambda key: int(float(opts.get(key, "0")) * 1_000_000)   # noqa: E731
            try:
                if cmd == "schedule-periodic":
                    self.check(lib.bgtask_scheduler_schedule_periodic(
                        r, usec("interval"), usec("flex"), usec("backoff"), usec("max-backoff"), byref(err)), err)
                else:
                    self.check(lib.bgtask_scheduler_submit_with_retry(
                        r, usec("backoff"), usec("max-backoff"), byref(err)), err)
            finally:
                lib.bgtask_request_free(r)
        elif cmd == "cancel":
            self.check(lib.bgtask_scheduler_cancel(w[1].encode(), byref(err)), err)
        elif cmd == "cancel-async":
            self.check(lib.bgtask_scheduler_cancel_async(w[1].encode(), self.completion("cancel-done"), None,
                                                         byref(err)), err)
        elif cmd == "cancel-all":
            self.check(lib.bgtask_scheduler_cancel_all(byref(err)), err)
        elif cmd == "cancel-all-async":
            self.check(lib.bgtask_scheduler_cancel_all_async(self.completion("cancel-all-done"), None, byref(err)),
                       err)
        elif cmd == "pending":
            array, count = POINTER(c_void_p)(), c_size_t()
            self.check(lib.bgtask_scheduler_get_pending_requests(byref(array), byref(count), byref(err)), err)
            requests = [self.request_json(array[i]) for i in range(count.value)]
            lib.bgtask_request_array_free(array, count)
            return {"requests": requests}
        elif cmd == "pending-async":
            def done(array, count, error, _user_data):
                if error:
                    self.event(event="pending-done", requests=[], **self.error_fields(error))
                else:
                    self.event(event="pending-done", ok=True,
                               requests=[self.request_json(array[i]) for i in range(count)])
            cb = PENDING(done)
            self.keep.append(cb)
            self.check(lib.bgtask_scheduler_get_pending_requests_async(cb, None, byref(err)), err)
        elif cmd == "resources":
            bits = lib.bgtask_scheduler_get_supported_resources()
            return {"resources": ["gpu"] if bits & GPU else []}
        elif cmd == "refresh-status":
            return {"status": STATUSES[lib.bgtask_scheduler_get_background_refresh_status()]}
        elif cmd == "watch-refresh-status":
            # Kept alive on self: the library calls it for as long as it is set.
            self.refresh_cb = REFRESH_STATUS(
                lambda status, _: self.event(event="refresh-status-changed", status=STATUSES[status]))
            self.check(lib.bgtask_scheduler_set_refresh_status_handler(
                ctypes.cast(self.refresh_cb, c_void_p), None, byref(err)), err)
        elif cmd == "event-fd":
            return {"fd": lib.bgtask_scheduler_get_fd()}
        elif cmd == "use-external-loop":
            return {"fd": self.check(lib.bgtask_scheduler_use_external_event_loop(byref(err)), err)}
        else:
            return self.task_command(w)
        return None

    def task_command(self, w):
        lib = self.lib
        task = self.tasks.get(w[1])
        if task is None:
            raise RuntimeError(f"no task {w[1]}")
        continued = lib.bgtask_task_get_kind(task) == 3
        if w[0] == "complete":
            lib.bgtask_task_set_completed(task, w[2] == "true")
        elif w[0] == "progress":
            if lib.bgtask_task_set_progress(task, int(w[2]), int(w[3])) != 0:
                raise RuntimeError("not a continued-processing task")
        elif w[0] == "title":
            if lib.bgtask_task_update_title(task, w[2].encode(), (w[3] if len(w) > 3 else "").encode()) != 0:
                raise RuntimeError("not a continued-processing task")
        elif w[0] == "checkpoint":
            size = c_size_t(0)
            pointer = lib.bgtask_task_get_checkpoint(task, byref(size))
            data = ctypes.string_at(pointer, size.value) if pointer else b""
            self.libc.free(pointer)
            return {"checkpoint": data.hex()}
        elif w[0] == "save-checkpoint":
            data = bytes.fromhex(w[2] if len(w) > 2 else "") * (int(w[3]) if len(w) > 3 else 1)
            err = POINTER(Error)()
            self.check(lib.bgtask_task_save_checkpoint(task, data, len(data), byref(err)), err)
        elif w[0] == "task":
            out = {"identifier": lib.bgtask_task_get_identifier(task).decode(),
                   "kind": KINDS[lib.bgtask_task_get_kind(task)],
                   "simulated": lib.bgtask_task_is_simulated(task),
                   "completed": lib.bgtask_task_is_completed(task),
                   "hasDeadline": lib.bgtask_task_get_deadline(task) != 0}
            if continued:
                completed = lib.bgtask_task_get_completed_unit_count(task)
                total = lib.bgtask_task_get_total_unit_count(task)
                out.update(title=self.string(lib.bgtask_task_get_title(task)),
                           subtitle=self.string(lib.bgtask_task_get_subtitle(task)),
                           completedUnits=completed, totalUnits=total,
                           fraction=completed / total if total > 0 else 0.0)
            return out
        else:
            raise RuntimeError(f"unknown command {w[0]}")
        return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--library", required=True)
    p.add_argument("--loop", choices=("library", "fd"), default="library")
    args = p.parse_args()
    lib = load(args.library)
    app = App(lib)
    app.expire_cb = EXPIRE(app.on_expire)
    if args.loop == "library":
        app.event(event="ready", loop=args.loop)
        for line in sys.stdin:
            if not app.dispatch(line):
                break
        return 0
    err = POINTER(Error)()
    fd = app.check(lib.bgtask_scheduler_use_external_event_loop(byref(err)), err)
    app.event(event="ready", loop=args.loop, fd=fd)
    buffer = b""
    stdin = sys.stdin.fileno()
    while True:
        readable, _, _ = select.select([stdin, fd], [], [])
        if fd in readable:
            app.process_calls += 1
            lib.bgtask_scheduler_process()
        if stdin in readable:
            chunk = os.read(stdin, 4096)
            if not chunk:
                return 0
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if not app.dispatch(line.decode()):
                    return 0


if __name__ == "__main__":
    sys.exit(main())
