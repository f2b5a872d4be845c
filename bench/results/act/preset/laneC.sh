#!/usr/bin/env bash
# After lane A (ACT seed 1000 and its receding-horizon evaluation): act-pusht-cpu's second training seed, then its evaluations.
set -u
R=/work/main/runs/s5
while [ ! -f $R/laneA.done ]; do sleep 10; done
cd /work/evaltree
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
export OMP_NUM_THREADS=1
date > $R/laneC.started
$M train act --preset act-pusht-cpu --dataset /work/main/runs/quickstart/dataset --out $R/act-s1001 --set train.seed=1001 --set train.threads=1 --overwrite > $R/train-act-s1001.log 2>&1
echo done > $R/act-s1001.done
$M eval $R/act-s1000 $R/act-s1001 --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval/act-receding-2seeds > $R/eval-act-receding-2seeds.log 2>&1 &
$M eval $R/act-s1001 --checkpoints last:5 --episodes 50 --seed-start 100000 --set policy.execution=temporal_ensemble --out $R/eval/act-te-s1001 > $R/eval-act-te-s1001.log 2>&1 &
wait
date >> $R/laneC.started
echo done > $R/laneC.done
