#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one integration module under ctest. A skipped test or a module with no test is a
failure here: a skip would hide a missing capability."""
import sys
import unittest

suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:])
result = unittest.TextTestRunner(verbosity=2).run(suite)
if result.skipped:
    print(f"{len(result.skipped)} test(s) skipped: a skip is a failure in this suite", file=sys.stderr)
ok = result.wasSuccessful() and not result.skipped and result.testsRun > 0
print(f"{result.testsRun - len(result.failures) - len(result.errors)} passed, "
      f"{len(result.failures) + len(result.errors)} failed")
sys.exit(0 if ok else 1)
