#!/usr/bin/env bash
# Issue 24: the tuned preset trained again with Mimicry's flat AdamW + EMA, one seed, alone on the 2-core machine:
# the training minutes until a checkpoint first scores >= 0.91 on DP's seeds (the last 15 checkpoints, every 80 steps, scored).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
R=runs/protocol-flat
D=runs/quickstart/dataset   # ./mimicry quickstart imports it
./mimicry train diffusion --preset dp-pusht-lowdim-cpu-lr1e-3 --dataset $D --out $R/diffusion-s0 --set train.seed=0 --set train.keep_checkpoints=15 --overwrite
./mimicry eval $R/diffusion-s0 --checkpoints all --episodes 50 --seed-start 100000 --out $R/eval
