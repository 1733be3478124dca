# SPDX-License-Identifier: LGPL-2.1-or-later
"""Not a test module: source that test_transient_units.py loads into python-dbusmock's systemd
template (through a method added with AddMethod, which runs it with `mock` bound to the mock's
manager object). The template's StartTransientUnit only emits job signals; with this the mock
is a service manager that really runs a transient unit's ExecStart (argv, environment of the
mock, its own session), answers GetUnit and GetUnitByPID (by process ancestry, as systemd
answers by cgroup), samples the process's CPU time and peak resident memory into the unit's
CPUUsageNSec and MemoryPeak (systemd does not signal those either), and when the process exits
sets Result and ActiveState as systemd does and emits PropertiesChanged. StopUnit sends SIGTERM
to the unit's process. User= is honoured (the mock runs as root); all properties are recorded."""
import json
import os
import pwd
import signal
import subprocess

import dbus
from dbusmock import mockobject
from gi.repository import GLib

MANAGER = "org.freedesktop.systemd1.Manager"
UNIT = "org.freedesktop.systemd1.Unit"
SERVICE = "org.freedesktop.systemd1.Service"
PREFIX = "/org/freedesktop/systemd1"
UNSET = dbus.UInt64(2**64 - 1)
TICK_NS = 10**9 // os.sysconf("SC_CLK_TCK")

units = {}     # unit name → what the mock knows of it
refused = {}   # unit name prefix → D-Bus error name StartTransientUnit answers with


def plain(value):
    if isinstance(value, (dbus.Array, list, dbus.Struct, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, str)):
        return str(value)
    return int(value)


def unit_path(name):
    return f"{PREFIX}/unit/" + "".join(c if c.isalnum() else "_%02x" % ord(c) for c in name)


def job(name):
    job_id = mock.next_job_id
    mock.next_job_id += 1
    path = f"{PREFIX}/Job/{job_id}"

    def emit():
        mock.EmitSignal(MANAGER, "JobNew", "uos", [dbus.UInt32(job_id), dbus.ObjectPath(path), name])
        mock.EmitSignal(MANAGER, "JobRemoved", "uoss", [dbus.UInt32(job_id), dbus.ObjectPath(path), name, "done"])
        return False
    GLib.idle_add(emit)
    return dbus.ObjectPath(path)


def sample(name):
    """CPU time and peak memory of the unit's process, as systemd's accounting would have them."""
    unit = units[name]
    try:
        with open(f"/proc/{unit['pid']}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{unit['pid']}/status") as f:
            hwm = [int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")]
    except OSError:
        return False
    props = mockobject.objects[unit["path"]].props[SERVICE]
    props["CPUUsageNSec"] = dbus.UInt64((int(fields[11]) + int(fields[12])) * TICK_NS)
    if hwm:
        props["MemoryPeak"] = dbus.UInt64(max(hwm[0], int(props["MemoryPeak"])))
    return unit["active"]


def exited(pid, status, name):
    unit = units[name]
    unit["active"] = False
    unit["status"] = status
    if os.WIFEXITED(status):
        result = "success" if os.WEXITSTATUS(status) == 0 else "exit-code"
    elif unit["stops"] and os.WTERMSIG(status) in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        result = "success"   # the stop's own signal is a clean end
    else:
        result = "core-dump" if os.WCOREDUMP(status) else "signal"
    obj = mockobject.objects[unit["path"]]
    obj.UpdateProperties(SERVICE, {"Result": result, "MainPID": dbus.UInt32(0)})
    obj.UpdateProperties(UNIT, {"ActiveState": "inactive" if result == "success" else "failed"})


def start(name, mode, properties, aux):
    name = str(name)
    for prefix, error in refused.items():
        if name.startswith(prefix):
            raise dbus.exceptions.DBusException(f"refused for {name} by the test", name=error)
    if name in units and units[name]["active"]:
        raise dbus.exceptions.DBusException(f"Unit {name} was already loaded or has a fragment file.",
                                            name="org.freedesktop.systemd1.UnitExists")
    props = {str(k): v for k, v in properties}
    path, argv, _ = props["ExecStart"][0]
    account = {}
    if "User" in props:
        pw = pwd.getpwnam(str(props["User"]))
        account = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    proc = subprocess.Popen([str(a) for a in argv], executable=str(path), stdin=subprocess.DEVNULL,
                            start_new_session=True, **account)
    upath = unit_path(name)
    units[name] = {"pid": proc.pid, "proc": proc, "path": upath, "active": True, "stops": 0, "mode": str(mode),
                   "properties": {k: plain(v) for k, v in props.items()}, "aux": plain(aux)}
    service = {"Result": "success", "MainPID": dbus.UInt32(proc.pid), "CPUUsageNSec": dbus.UInt64(0),
               "MemoryPeak": dbus.UInt64(0), "IOReadBytes": UNSET, "IOWriteBytes": UNSET}
    if upath in mockobject.objects:
        mockobject.objects[upath].UpdateProperties(SERVICE, service)
        mockobject.objects[upath].UpdateProperties(UNIT, {"ActiveState": "active"})
    else:
        mock.AddObject(upath, UNIT, {"Id": name, "Names": [name], "LoadState": "loaded", "ActiveState": "active"}, [])
        mockobject.objects[upath].AddProperties(SERVICE, service)
    GLib.child_watch_add(GLib.PRIORITY_DEFAULT, proc.pid, exited, name)
    sample(name)
    GLib.timeout_add(20, sample, name)
    return job(name)


def stop(name, mode):
    name = str(name)
    if name not in units:
        raise dbus.exceptions.DBusException(f"Unit {name} not loaded.", name="org.freedesktop.systemd1.NoSuchUnit")
    unit = units[name]
    unit["stops"] += 1
    if unit["active"]:
        os.kill(unit["pid"], signal.SIGTERM)
    return job(name)


def get_unit(name):
    name = str(name)
    if name in units:
        return dbus.ObjectPath(units[name]["path"])
    if name in mock.units:   # the template's own AddMockUnit units
        return dbus.ObjectPath(mock.units[name])
    raise dbus.exceptions.DBusException(f"Unit {name} not loaded.", name="org.freedesktop.systemd1.NoSuchUnit")


def get_unit_by_pid(pid):
    wanted = int(pid)
    while wanted > 1:
        for unit in units.values():
            if unit["active"] and unit["pid"] == wanted:
                return dbus.ObjectPath(unit["path"])
        try:
            with open(f"/proc/{wanted}/stat") as f:
                wanted = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
    raise dbus.exceptions.DBusException(f"PID {int(pid)} does not belong to any loaded unit.",
                                        name="org.freedesktop.systemd1.NoUnitForPID")


def report():
    return json.dumps({name: {k: v for k, v in unit.items() if k != "proc"} for name, unit in units.items()})
