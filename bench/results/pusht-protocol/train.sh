#!/usr/bin/env bash
# Issue 10 headline: DP CPU preset, 3 training seeds on DP's 90 episodes, 1 torch thread each, run side by side.
set -u
cd /work/main
for s in 0 1 2; do
  OMP_NUM_THREADS=1 ./mimicry train diffusion --preset dp-pusht-lowdim-cpu --dataset runs/quickstart/dataset \
    --out runs/protocol/diffusion-s$s --set train.seed=$s --set train.threads=1 --overwrite > runs/protocol/train-diffusion-s$s.log 2>&1 &
done
wait
echo done > runs/protocol/train.done
