#!/usr/bin/env bash
# DP's protocol for one preset, per training seed: train, then score the last 5 checkpoints on DP's 50 test seeds
# (100000-100049); reports land in OUT/NAME/sN. Summarize the seeds with summarize.py.
# Usage: protocol.sh POLICY PRESET OUT SEED...   Environment: NAME (default PRESET) and SETS ("--set k=v ...") run a
# variant under its own name; MIMICRY (default ./mimicry) runs a frozen build, e.g. "dotnet /tmp/mimbin/Mimicry.Cli.dll";
# WEIGHTS=both also scores an EMA run's trained weights (the same run without EMA) at every checkpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."
policy=$1 preset=$2 out=$3; shift 3
Z=data/pusht/pusht_cchi_v7_replay.zarr
R=runs/protocol
M=${MIMICRY:-./mimicry}
N=${NAME:-$preset}
mkdir -p $R
for s in "$@"; do
  $M train $policy --preset $preset --dataset $Z --out $R/$N-s$s --set train.seed=$s ${SETS:-} --overwrite > $R/$N-train-s$s.log 2>&1
  $M eval $R/$N-s$s --checkpoints last:5 --episodes 50 --seed-start 100000 --weights ${WEIGHTS:-acting} --out $R/$N-eval-s$s > $R/$N-eval-s$s.log 2>&1
  o=$out/$N/s$s
  mkdir -p $o
  cp $R/$N-eval-s$s/report.md $R/$N-eval-s$s/report.json $R/$N-eval-s$s.log $o/
  cp $R/$N-s$s/training_curve.png $o/ 2>/dev/null || true
  tail -3 $R/$N-train-s$s.log > $o/train-tail.log
done
