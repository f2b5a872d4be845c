#!/usr/bin/env bash
# Issue 12: ACT KL sweep on Push-T (preset act-pusht-cpu, 2,000 steps, 2 training seeds per row), two lanes of one
# thread each; then the sweep's evaluation, temporal ensembling on/off, and flow with temporal ensembling.
set -u
cd /work/evaltree2
M="dotnet /work/evaltree2/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/act
D=/work/main/runs/quickstart/dataset
STEPS=${STEPS:-2000}
while [[ ! -f /work/main/runs/lr3/done ]]; do sleep 20; done
date > $R/started
train() { # name seed settings...
  local name=$1 seed=$2; shift 2
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  OMP_NUM_THREADS=1 $M train act --preset act-pusht-cpu --dataset $D --out $R/sweep/$name --set train.seed=$seed --set train.steps=$STEPS --set train.threads=1 "${sets[@]}" --overwrite > $R/train-$name.log 2>&1
}
( train kl0_s1000 1000 policy.use_vae=false policy.kl_weight=0; train kl0_s1001 1001 policy.use_vae=false policy.kl_weight=0
  train kl1_s1000 1000 policy.kl_weight=1; train kl1_s1001 1001 policy.kl_weight=1 ) &
( train kl10_s1000 1000 policy.kl_weight=10; train kl10_s1001 1001 policy.kl_weight=10; train kl100_s1000 1000 policy.kl_weight=100; train kl100_s1001 1001 policy.kl_weight=100 ) &
wait
date >> $R/started
OMP_NUM_THREADS=2 $M sweep act --preset act-pusht-cpu --dataset $D --out $R/sweep --steps $STEPS --seeds 2 --set train.threads=1 > $R/sweep.log 2>&1
date >> $R/started
$M eval $R/sweep/kl10_s1000 $R/sweep/kl10_s1001 --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval/kl10-receding > $R/eval-receding.log 2>&1
$M eval $R/sweep/kl10_s1000 $R/sweep/kl10_s1001 --checkpoints last:5 --episodes 50 --seed-start 100000 --set policy.execution=temporal_ensemble --out $R/eval/kl10-temporal-ensemble > $R/eval-te.log 2>&1
date >> $R/started
echo done > $R/done
