#!/usr/bin/env bash
# Session 6: flow's own sweep on the protocol (issue 11): time sampling uniform at lr 1e-3, and Beta at lr 3e-4; seed 0 each.
set -u
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/s6
D=/work/main/runs/quickstart/dataset
export OMP_NUM_THREADS=1
date > $R/flowsweep.started
( $M train flow --preset flow-pusht-lowdim-cpu-lr1e-3 --dataset $D --out $R/flow-uniform-s0 --set train.seed=0 --set train.threads=1 --set policy.time_sampling=uniform --overwrite > $R/train-flow-uniform-s0.log 2>&1; echo done > $R/flow-uniform-s0.done ) &
( $M train flow --preset flow-pusht-lowdim-cpu-lr1e-3 --dataset $D --out $R/flow-lr3e-4-s0 --set train.seed=0 --set train.threads=1 --set train.lr=0.0003 --overwrite > $R/train-flow-lr3e-4-s0.log 2>&1; echo done > $R/flow-lr3e-4-s0.done ) &
wait
date >> $R/flowsweep.started
echo done > $R/flowsweep.done
