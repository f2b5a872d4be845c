#!/usr/bin/env bash
# Issue 28: Push-T from pixels on two CPU cores with the preset dp-pusht-image-cpu, DP's protocol per training seed:
# train (6,000 steps), then score the last 5 checkpoints on DP's 50 test seeds (100000-100049) with DDPM-100.
# Usage: run.sh ZARR SEED...   (ZARR: DP's full replay buffer with images, pusht_cchi_v7_replay.zarr)
set -euo pipefail
cd "$(dirname "$0")/../../.."
Z=$1; shift
R=runs/pusht-image
D=$R/dataset
[[ -f $D/meta/info.json ]] || dotnet /tmp/mimbin/Mimicry.Cli.dll dataset import "$Z" $D --images
for s in "$@"; do
  /usr/bin/time -v dotnet /tmp/mimbin/Mimicry.Cli.dll train diffusion --preset dp-pusht-image-cpu --dataset $D --out $R/diffusion-s$s --set train.seed=$s --overwrite > $R/train-s$s.log 2>&1
  /usr/bin/time -v dotnet /tmp/mimbin/Mimicry.Cli.dll eval $R/diffusion-s$s --checkpoints last:5 --episodes 50 --seed-start 100000 --out $R/eval-s$s > $R/eval-s$s.log 2>&1
  mkdir -p bench/results/pusht-image/s$s
  cp $R/eval-s$s/report.md $R/eval-s$s/report.json $R/train-s$s.log $R/eval-s$s.log bench/results/pusht-image/s$s/
  cp $R/diffusion-s$s/training/*.png bench/results/pusht-image/s$s/ 2>/dev/null || true
done
