#!/usr/bin/env bash
# Issue 30: the discrete row. BeT on DP's protocol per training seed: train with PRESET, then score the last 5 checkpoints on
# DP's 50 test seeds (100000-100049). Usage: run.sh PRESET SEED...   (bet-pusht-lowdim-cpu: DP's BET setting;
# bet-chunks-pusht-lowdim-cpu: codes of 16-action chunks). NAME=... SETS="--set k=v ..." run a variant of the preset under
# its own name (runs/bet/NAME-sN, bench/results/bet/NAME/sN).
set -euo pipefail
cd "$(dirname "$0")/../../.."
P=$1; shift
Z=data/pusht/pusht_cchi_v7_replay.zarr
R=runs/bet
M=${MIMICRY:-./mimicry}
mkdir -p $R
N=${NAME:-$P}
for s in "$@"; do
  $M train bet --preset $P --dataset $Z --out $R/$N-s$s --set train.seed=$s ${SETS:-} --overwrite > $R/$N-train-s$s.log 2>&1
  $M eval $R/$N-s$s --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/$N-eval-s$s > $R/$N-eval-s$s.log 2>&1
  o=bench/results/bet/$N/s$s
  mkdir -p $o
  cp $R/$N-eval-s$s/report.md $R/$N-eval-s$s/report.json $R/$N-eval-s$s.log $o/
  cp $R/$N-s$s/training_curve.png $o/ 2>/dev/null || true
  tail -3 $R/$N-train-s$s.log > $o/train-tail.log
done
