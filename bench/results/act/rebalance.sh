#!/usr/bin/env bash
# Rebalanced lanes: kl100_s1000 after lane B's kl10_s1001 (pid 12639), kl100_s1001 after lane A (pid 11480).
set -u
cd /work/evaltree2
M="dotnet /work/evaltree2/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/act
D=/work/main/runs/quickstart/dataset
train() { local name=$1 seed=$2 kl=$3
  OMP_NUM_THREADS=1 $M train act --preset act-pusht-cpu --dataset $D --out $R/sweep/$name --set train.seed=$seed --set train.steps=2000 --set train.threads=1 --set policy.kl_weight=$kl --overwrite > $R/train-$name.log 2>&1; }
( while kill -0 12639 2>/dev/null; do sleep 10; done; train kl100_s1000 1000 100 ) &
( while kill -0 11480 2>/dev/null; do sleep 10; done; train kl100_s1001 1001 100 ) &
wait
