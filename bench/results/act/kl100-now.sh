#!/usr/bin/env bash
# Both kl100 rows at once (instead of after the other lanes), so the sweep's last runs finish together.
set -u
cd /work/evaltree2
M="dotnet /work/evaltree2/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/act
D=/work/main/runs/quickstart/dataset
train() { local name=$1 seed=$2 kl=$3
  OMP_NUM_THREADS=1 $M train act --preset act-pusht-cpu --dataset $D --out $R/sweep/$name --set train.seed=$seed --set train.steps=2000 --set train.threads=1 --set policy.kl_weight=$kl --overwrite > $R/train-$name.log 2>&1; }
train kl100_s1000 1000 100 &
train kl100_s1001 1001 100 &
wait
