#!/bin/sh
# Runs a command with an X display, which headless-gl (the gpu backend's WebGL in Node) needs:
# under `xvfb-run -a` when no DISPLAY is set. Without xvfb the command still runs, and the gpu
# backend says once that it fell back to a CPU mode.
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a "$@"
fi
exec "$@"
