#!/usr/bin/env bash
# Installs the system libraries Mimicry needs at run time, if missing (Debian/Ubuntu, as root or via sudo):
#   libchipmunk7  - the Chipmunk 7.0.3 physics engine that pymunk wraps (Push-T)
#   ffmpeg        - FFmpeg 5.1 (libavcodec59, libavformat59, libdav1d6 decoding AV1, libsvtav1enc1 encoding it): video datasets
# With --bench also libchipmunk-dev and a C compiler, for the C baseline of `bench pusht-env`.
set -euo pipefail
need=()
ldconfig -p 2>/dev/null | grep 'libchipmunk.so.7 ' >/dev/null || need+=(libchipmunk7)
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
if [[ "${1:-}" == "--bench" ]]; then
  [[ -f /usr/include/chipmunk/chipmunk.h ]] || need+=(libchipmunk-dev)
  command -v cc >/dev/null || need+=(gcc libc6-dev)
fi
if ((${#need[@]})); then
  echo "mimicry: installing ${need[*]} (apt-get)" >&2
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
