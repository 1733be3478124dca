#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The interface XML is the API reference: every file must be well-formed introspection data
whose interface is named after the file, and every method, signal and property must carry a
doc comment."""
import os
import sys
import xml.dom.minidom

failures = []
directory = sys.argv[1]
for name in sorted(os.listdir(directory)):
    if not name.endswith(".xml"):
        continue
    path = os.path.join(directory, name)
    try:
        doc = xml.dom.minidom.parse(path)
    except Exception as e:   # noqa: BLE001 - report every kind of parse failure
        failures.append(f"{name}: not well-formed: {e}")
        continue
    interfaces = doc.getElementsByTagName("interface")
    if [i.getAttribute("name") + ".xml" for i in interfaces] != [name]:
        failures.append(f"{name}: must hold exactly the interface named after the file")
        continue
    for member in interfaces[0].childNodes:
        if member.nodeType != member.ELEMENT_NODE:
            continue
        previous = member.previousSibling
        while previous is not None and previous.nodeType == previous.TEXT_NODE and not previous.data.strip():
            previous = previous.previousSibling
        if previous is None or previous.nodeType != previous.COMMENT_NODE:
            failures.append(f"{name}: {member.tagName} {member.getAttribute('name')} has no doc comment")
for f in failures:
    print(f)
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
