#!/usr/bin/env bash
# Issue 30: the discrete row. BeT on DP's protocol per training seed: train with PRESET, then score the last 5 checkpoints on
# DP's 50 test seeds (100000-100049). Usage: run.sh PRESET SEED...   (bet-pusht-lowdim-cpu: DP's BET setting;
# bet-chunks-pusht-lowdim-cpu: codes of 16-action chunks)
set -euo pipefail
cd "$(dirname "$0")/../../.."
P=$1; shift
Z=data/pusht/pusht_cchi_v7_replay.zarr
R=runs/bet
M=${MIMICRY:-./mimicry}
mkdir -p $R
for s in "$@"; do
  $M train bet --preset $P --dataset $Z --out $R/$P-s$s --set train.seed=$s --overwrite > $R/$P-train-s$s.log 2>&1
  $M eval $R/$P-s$s --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/$P-eval-s$s > $R/$P-eval-s$s.log 2>&1
  o=bench/results/bet/$P/s$s
  mkdir -p $o
  cp $R/$P-eval-s$s/report.md $R/$P-eval-s$s/report.json $R/$P-eval-s$s.log $o/
  cp $R/$P-s$s/training_curve.png $o/ 2>/dev/null || true
  tail -3 $R/$P-train-s$s.log > $o/train-tail.log
done
