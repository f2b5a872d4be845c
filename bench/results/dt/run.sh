#!/usr/bin/env bash
# Issue 30, item 3: the Decision Transformer with a chunked head and positions within the context on DP's protocol
# (../protocol.sh). Usage: run.sh SEED...
set -euo pipefail
exec "$(dirname "$0")/../protocol.sh" dt dt-pusht-lowdim-cpu bench/results/dt "$@"
