# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the running bgtaskd says of its interfaces is what dbus/*.xml documents. Scheduler1's
methods are registered by hand (bus/SchedulerAdaptor: Submit reads its options straight from
the message), so nothing generated keeps them in step with the XML: this compares the daemon's
Introspect of /org/bgtaskd with the XML, member by member: every method with its arguments'
names, types and directions, every signal with its arguments, every property with its type and
access."""
import os
import unittest
import xml.dom.minidom

import dbus

from bgtaskd_testlib import BUS_NAME, HERE, MANAGER, OBJECT_PATH, SCHEDULER, DaemonTestCase

XML_DIR = os.path.join(HERE, "..", "..", "dbus")


def members(interface):
    """{(kind, name): description} of one <interface> element."""
    out = {}
    for node in interface.childNodes:
        if node.nodeType != node.ELEMENT_NODE or node.tagName not in ("method", "signal", "property"):
            continue
        name = node.getAttribute("name")
        if node.tagName == "property":
            out[("property", name)] = (node.getAttribute("type"), node.getAttribute("access"))
            continue
        args = []
        for arg in node.getElementsByTagName("arg"):
            # A signal's arguments have no direction (or "out"): both mean the same.
            direction = arg.getAttribute("direction") or ("out" if node.tagName == "signal" else "in")
            args.append((arg.getAttribute("name"), arg.getAttribute("type"), direction))
        out[(node.tagName, name)] = tuple(args)
    return out


def interfaces_of(document):
    return {i.getAttribute("name"): members(i) for i in document.getElementsByTagName("interface")}


class IntrospectionTest(DaemonTestCase):
    def compare(self, interface_name):
        documented = interfaces_of(xml.dom.minidom.parse(os.path.join(XML_DIR, interface_name + ".xml")))
        live_xml = dbus.Interface(self.bus.get_object(BUS_NAME, OBJECT_PATH),
                                  "org.freedesktop.DBus.Introspectable").Introspect()
        live = interfaces_of(xml.dom.minidom.parseString(str(live_xml)))
        self.assertIn(interface_name, live, "the daemon does not serve the interface")
        want, have = documented[interface_name], live[interface_name]
        self.assertEqual(sorted(want), sorted(have), "members documented and served differ")
        for key in sorted(want):
            self.assertEqual(want[key], have[key], f"{interface_name} {key[0]} {key[1]}")

    def test_scheduler1_is_served_as_documented(self):
        self.compare(SCHEDULER)

    def test_manager1_is_served_as_documented(self):
        self.compare(MANAGER)


if __name__ == "__main__":
    unittest.main()
