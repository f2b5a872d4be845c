#!/usr/bin/env bash
# After the two training lanes of run.sh: the sweep's evaluation (it reuses the 8 finished runs) and kl10 with temporal ensembling.
set -u
cd /work/evaltree2
M="dotnet /work/evaltree2/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/act
D=/work/main/runs/quickstart/dataset
while pgrep -f "runs/act/run.sh" > /dev/null; do sleep 15; done
date >> $R/started
OMP_NUM_THREADS=1 $M eval $R/sweep/kl10_s1000 $R/sweep/kl10_s1001 --episodes 50 --seed-start 100000 --set policy.execution=temporal_ensemble --out $R/eval/kl10-temporal-ensemble > $R/eval-te.log 2>&1 &
OMP_NUM_THREADS=1 $M sweep act --preset act-pusht-cpu --dataset $D --out $R/sweep --steps 2000 --seeds 2 --set train.threads=1 > $R/sweep.log 2>&1
wait
date >> $R/started
echo done > $R/done
