#!/usr/bin/env bash
# Session 5: flow at lr 1e-3 on the protocol (issue 11), act-pusht-cpu's full run (issue 12), temporal ensembling on U-Net chunks.
# Two single-thread lanes, started after the ACT speed bench (which must run alone).
set -u
while [ ! -f /work/main/runs/actbench.done ]; do sleep 10; done
cd /work/evaltree
dotnet build -c Release src/Mimicry.Cli > /work/main/runs/s5/build.log 2>&1 || exit 1
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/s5
D=/work/main/runs/quickstart/dataset
export OMP_NUM_THREADS=1
flow() { $M train flow --preset flow-pusht-lowdim-cpu --dataset $D --out $R/flow-s$1 --set train.seed=$1 --set train.threads=1 --set train.lr=0.001 --overwrite > $R/train-flow-s$1.log 2>&1; echo done > $R/flow-s$1.done; }
date > $R/started
( # lane A: flow s0, then ACT's preset, then its evaluations (receding here, temporal ensembling in lane B once lane B is free)
  flow 0
  $M train act --preset act-pusht-cpu --dataset $D --out $R/act-s1000 --set train.threads=1 --overwrite > $R/train-act.log 2>&1; echo done > $R/act.done
  $M eval $R/act-s1000 --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval/act-receding > $R/eval-act-receding.log 2>&1
  echo done > $R/laneA.done
) &
( # lane B: flow s1, s2, the flow evaluations, temporal ensembling on U-Net chunks, then ACT with temporal ensembling
  flow 1; flow 2
  $M eval $R/flow-s0 $R/flow-s1 $R/flow-s2 --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval/flow-seeds100000 > $R/eval-flow-100000.log 2>&1
  $M eval $R/flow-s0 $R/flow-s1 $R/flow-s2 --checkpoints latest --episodes 200 --seed-start 200000 --out $R/eval/flow-seeds200000 > $R/eval-flow-200000.log 2>&1
  echo done > $R/flow-eval.done
  L=/work/main/runs/lr3
  $M eval $L/diffusion-s0 $L/diffusion-s1 $L/diffusion-s2 --checkpoints latest --episodes 50 --seed-start 100000 --set policy.sampler=ddim --set policy.num_inference_steps=10 --out $R/eval/diffusion-ddim10-receding > $R/eval-te.log 2>&1
  $M eval $L/diffusion-s0 $L/diffusion-s1 $L/diffusion-s2 --checkpoints latest --episodes 50 --seed-start 100000 --set policy.sampler=ddim --set policy.num_inference_steps=10 --set policy.execution=temporal_ensemble --out $R/eval/diffusion-ddim10-te >> $R/eval-te.log 2>&1
  $M eval $R/flow-s0 $R/flow-s1 $R/flow-s2 --checkpoints latest --episodes 50 --seed-start 100000 --set policy.execution=temporal_ensemble --out $R/eval/flow-te >> $R/eval-te.log 2>&1
  echo done > $R/te.done
  while [ ! -f $R/act.done ]; do sleep 10; done
  $M eval $R/act-s1000 --checkpoints last:5 --episodes 50 --seed-start 100000 --set policy.execution=temporal_ensemble --out $R/eval/act-te > $R/eval-act-te.log 2>&1
  echo done > $R/laneB.done
) &
wait
date >> $R/started
echo done > $R/done
