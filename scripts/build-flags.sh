# The one set of build flags every script uses, so that the server
# (scripts/start.sh) and the tests (scripts/test.sh) share one release build:
# whichever runs first builds, the other reuses it. `-enable-testing` lets the
# tests reach internal code; in `baseserve bench` it cost nothing measurable
# (the hot loops are C kernels, built the same either way), so the server runs
# from the testable build rather than from a second, 15-minute one.
# Sourced, not run.
BUILD_FLAGS=(-c release -Xswiftc -enable-testing)
