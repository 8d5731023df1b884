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
# predictions/s.
set -euo pipefail
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
exec node --expose-gc --liftoff-only "$(dirname "$0")/../packages/server/dist/main.js" "$@"
