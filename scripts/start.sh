#!/usr/bin/env bash
# Runs the platform (`npm start` calls this after the build; so do bench:api and the container
# images): node packages/server/dist/main.js, with glibc's allocator tuned for a long-lived
# process with worker threads. Typed arrays (models, drift windows, event buffers) are allocated
# with malloc; by default glibc gives every thread its own arenas and, after the first large block
# is freed, raises its mmap threshold so later large blocks come from those arenas and are never
# given back. Both settings below keep resident memory close to what is live (measured in
# bench:api); set either variable yourself to override it. --expose-gc lets the server collect
# the garbage of loading its models once, before it serves (see main.ts). --liftoff-only keeps
# WebAssembly (the embedded PostgreSQL, PGlite, and the drift kernel) on V8's baseline compiler:
# without TurboFan's optimised copies of PostgreSQL's hot functions, and the memory compiling them
# takes, the embedded platform stays 20-40 MB smaller, at no CPU cost we could measure at 1,000
# predictions/s. --max-semi-space-size=4 caps each thread's young generation at 2 x 4 MB instead
# of V8's 2 x 16 MB: the request path allocates fast, so every isolate's nursery otherwise grows to
# its maximum and stays resident. Measured with the bench:api phases on this 2-core machine: 245-271
# MB after 20 s at 1,000 predictions/s against 297-322 MB with V8's default (three restarts each),
# 292-330 MB after the whole bench (explanations included) against 328-348 MB, and saturation
# within the runs' noise (2,315-3,446 against 2,257-3,438 req/s). 2 MB saved nothing more.
set -euo pipefail
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
exec node --expose-gc --liftoff-only --max-semi-space-size=4 "$(dirname "$0")/../packages/server/dist/main.js" "$@"
