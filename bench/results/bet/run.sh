#!/usr/bin/env bash
# Issue 30: the discrete row. BeT (DP's BET baseline) with the preset bet-pusht-lowdim-cpu on DP's protocol per training seed:
# train (24,000 steps), then score the last 5 checkpoints on DP's 50 test seeds (100000-100049).
# Usage: run.sh SEED...
set -euo pipefail
cd "$(dirname "$0")/../../.."
Z=data/pusht/pusht_cchi_v7_replay.zarr
R=runs/bet
for s in "$@"; do
  ./mimicry train bet --preset bet-pusht-lowdim-cpu --dataset $Z --out $R/bet-s$s --set train.seed=$s --overwrite > $R/train-s$s.log 2>&1
  ./mimicry eval $R/bet-s$s --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval-s$s > $R/eval-s$s.log 2>&1
  mkdir -p bench/results/bet/s$s
  cp $R/eval-s$s/report.md $R/eval-s$s/report.json $R/eval-s$s.log bench/results/bet/s$s/
  tail -3 $R/train-s$s.log > bench/results/bet/s$s/train-tail.log
done
