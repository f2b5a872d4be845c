#!/usr/bin/env bash
# Issue 30, item 3: the Decision Transformer with a chunked head and positions within the context, on DP's protocol per training
# seed: train with the preset, then score the last 5 checkpoints on DP's 50 test seeds (100000-100049).
# Usage: run.sh SEED...   (MIMICRY=... to run a frozen build)
set -euo pipefail
cd "$(dirname "$0")/../../.."
P=dt-pusht-lowdim-cpu
Z=data/pusht/pusht_cchi_v7_replay.zarr
R=runs/dt
M=${MIMICRY:-./mimicry}
mkdir -p $R
for s in "$@"; do
  $M train dt --preset $P --dataset $Z --out $R/$P-s$s --set train.seed=$s --overwrite > $R/$P-train-s$s.log 2>&1
  $M eval $R/$P-s$s --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/$P-eval-s$s > $R/$P-eval-s$s.log 2>&1
  o=bench/results/dt/$P/s$s
  mkdir -p $o
  cp $R/$P-eval-s$s/report.md $R/$P-eval-s$s/report.json $R/$P-eval-s$s.log $o/
  cp $R/$P-s$s/training_curve.png $o/ 2>/dev/null || true
  tail -3 $R/$P-train-s$s.log > $o/train-tail.log
done
