#!/usr/bin/env bash
# Issue 10 headline evaluations, run from a clean worktree at a fixed commit (its revision goes into the reports).
set -u
cd /work/evaltree
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
R=/work/main/runs/protocol
while [[ ! -f $R/train.done ]] || [[ ! -d $R/diffusion-s1/checkpoints/step-0004000 ]] || pgrep -f "out /work/main/runs/protocol/diffusion-s|out runs/protocol/diffusion-s" > /dev/null; do sleep 15; done
date > $R/eval/started
$M eval $R/diffusion-s0 $R/diffusion-s1 $R/diffusion-s2 --checkpoints last:5 --episodes 50 --seed-start 100000 --jobs 2 --out $R/eval/diffusion-seeds100000 > $R/eval/diffusion-seeds100000.log 2>&1
date >> $R/eval/started
$M eval $R/diffusion-s0 $R/diffusion-s1 $R/diffusion-s2 --checkpoints latest --episodes 200 --seed-start 200000 --jobs 2 --out $R/eval/diffusion-seeds200000 > $R/eval/diffusion-seeds200000.log 2>&1
date >> $R/eval/started
while [[ ! -f $R/train-bc.done ]]; do sleep 20; done
$M eval $R/bc-s0 $R/bc-s1 $R/bc-s2 --checkpoints last:5 --episodes 50 --seed-start 100000 --jobs 2 --out $R/eval/bc-seeds100000 > $R/eval/bc-seeds100000.log 2>&1
$M eval $R/bc-s0 $R/bc-s1 $R/bc-s2 --checkpoints latest --episodes 200 --seed-start 200000 --jobs 2 --out $R/eval/bc-seeds200000 > $R/eval/bc-seeds200000.log 2>&1
date >> $R/eval/started
echo done > $R/eval.done
