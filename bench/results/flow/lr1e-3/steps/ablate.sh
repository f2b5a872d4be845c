#!/usr/bin/env bash
# After lane B's temporal-ensembling evaluations: the steps ablation on the lr-1e-3 checkpoints (diffusion seed 0, flow seed 0), one thread.
set -u
R=/work/main/runs/s5
while [ ! -f $R/te.done ]; do sleep 10; done
cd /work/evaltree
export OMP_NUM_THREADS=1
date > $R/ablate.started
dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll ablate steps /work/main/runs/lr3/diffusion-s0 $R/flow-s0 --out $R/ablate-steps --episodes 50 --seed-start 100000 > $R/ablate.log 2>&1
date >> $R/ablate.started
echo done > $R/ablate.done
