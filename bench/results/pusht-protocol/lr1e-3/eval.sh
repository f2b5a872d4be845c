#!/usr/bin/env bash
# Issue 10 lr-1e-3 evaluations (the first attempt passed --jobs, which eval does not take): two single-thread processes.
set -u
cd /work/evaltree
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/lr3
date > $R/eval-started
OMP_NUM_THREADS=1 $M eval $R/diffusion-s0 $R/diffusion-s1 $R/diffusion-s2 --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval/diffusion-seeds100000 > $R/eval-100000.log 2>&1 &
OMP_NUM_THREADS=1 $M eval $R/diffusion-s0 $R/diffusion-s1 $R/diffusion-s2 --checkpoints latest --episodes 200 --seed-start 200000 --out $R/eval/diffusion-seeds200000 > $R/eval-200000.log 2>&1 &
wait
date >> $R/eval-started
echo done > $R/eval-done
