#!/usr/bin/env bash
# Issue 30, item 2: the improved token policy (relative actions, 128 bins, Gaussian soft targets) on DP's protocol
# (../../protocol.sh), one thread per training seed. Usage: run.sh SEED...
set -euo pipefail
export OMP_NUM_THREADS=1
SETS="--set train.threads=1 ${SETS:-}" exec "$(dirname "$0")/../../protocol.sh" tokens tokens-pusht-lowdim-cpu bench/results/tokens/relative "$@"
