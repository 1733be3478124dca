#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# with-system-bus.sh CMD…: runs CMD on a private system bus (see with-private-bus.sh).
exec "$(dirname "$0")/with-private-bus.sh" system "$@"
