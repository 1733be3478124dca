# SPDX-License-Identifier: LGPL-2.1-or-later
"""libbgtask's C API against the real bgtaskd, the way a language binding uses it: the tests of
test_library.py and of test_library_eventloop.py's external loop, driven through apps/capi_app.py,
which speaks the same protocol as the C++ test app over bgtask.h through ctypes."""
import unittest

import test_library
import test_library_eventloop


class CApiTest(test_library.LibraryTest):
    api = "capi"
    # C launch handlers cannot throw; a failing one completes its task as failed itself.
    failing_handler = "fail"


class CApiExternalLoopTest(test_library_eventloop.ExternalLoopTest):
    api = "capi"
    failing_handler = "fail"


if __name__ == "__main__":
    unittest.main()
