#!/usr/bin/env bash
# Issue 30, item 1: EMA and the learning-rate schedule chosen by each policy's sweep. A policy's compare setting (its CPU
# preset) trained once with EMA under one schedule on DP's protocol (../protocol.sh: DP's 90 episodes, the last 5
# checkpoints on DP's 50 test seeds); WEIGHTS=both scores every checkpoint twice, with the EMA and with the trained weights,
# which are exactly the same run without EMA (tests/Mimicry.Tests/Training/RawWeightsTests.cs): one training, two rows.
# Usage: run.sh POLICY PRESET SEED SCHEDULE [EXTRA --set ...]   (one thread; three ran side by side on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 WEIGHTS=both
policy=$1 preset=$2 seed=$3 sched=$4 extra="${*:5}"
NAME=$preset-$sched-ema SETS="--set train.threads=1 --set train.use_ema=true --set train.lr_scheduler=$sched $extra" \
  exec bench/results/protocol.sh "$policy" "$preset" bench/results/ema-schedule "$seed"
