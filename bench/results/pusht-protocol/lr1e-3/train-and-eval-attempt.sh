#!/usr/bin/env bash
# Issue 10: the CPU preset with lr 1e-3, seeds 1 and 2 (seed 0 exists), one thread each side by side; then evaluations.
set -u
cd /work/evaltree
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/lr3
D=/work/main/runs/quickstart/dataset
cp -r /work/main/runs/search/diffusion-lr1e-3-s0 $R/diffusion-s0 2>/dev/null || true
date > $R/started
for s in 1 2; do
  OMP_NUM_THREADS=1 $M train diffusion --preset dp-pusht-lowdim-cpu --dataset $D --out $R/diffusion-s$s \
    --set train.seed=$s --set train.threads=1 --set train.lr=0.001 --overwrite > $R/train-s$s.log 2>&1 &
done
wait
date >> $R/started
$M eval $R/diffusion-s0 $R/diffusion-s1 $R/diffusion-s2 --checkpoints last:5 --episodes 50 --seed-start 100000 --jobs 2 --out $R/eval/diffusion-seeds100000 > $R/eval-100000.log 2>&1
date >> $R/started
$M eval $R/diffusion-s0 $R/diffusion-s1 $R/diffusion-s2 --checkpoints latest --episodes 200 --seed-start 200000 --jobs 2 --out $R/eval/diffusion-seeds200000 > $R/eval-200000.log 2>&1
date >> $R/started
echo done > $R/done
