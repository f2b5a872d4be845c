#!/usr/bin/env bash
# Replaces rc.sh's lane A after BC: DT at batch 256 ran 0.73 steps/s (45 min for 2,000 steps); DT's own batch 64 instead,
# 4,000 steps (5.1M supervised actions: 64 windows x 20 steps each, against diffusion's 2,000 x 256 x 16 = 8.2M).
set -u
R=/work/main/runs/s6
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
D=$R/mix
export OMP_NUM_THREADS=1
E="--checkpoints latest --episodes 100 --seed-start 100000"
$M train dt --dataset $D --set train.threads=1 --set train.steps=4000 --set train.batch_size=64 --set train.warmup_steps=400 --set policy.max_episode_length=300 --set train.lr=0.001 --overwrite --out $R/rc/dt > $R/train-dt.log 2>&1
echo done > $R/rc-trainA.done
while [ ! -f $R/rc/bc-filtered/checkpoint/config.json ] || ! grep -q "^done" $R/train-bc-filtered.log 2>/dev/null; do sleep 10; done
$M eval $R/rc/bc-all $R/rc/bc-filtered $E --out $R/rc-eval/bc > $R/eval-rc-bc.log 2>&1
$M ablate setting $R/rc/dt --setting policy.target_return --values 0.2,0.4,0.6,0.8,1.0 --episodes 100 --out $R/rc-eval/dt-target > $R/eval-rc-dt.log 2>&1
$M eval $R/rc/diffusion-all $R/rc/diffusion-filtered $E --out $R/rc-eval/diffusion > $R/eval-rc-diffusion.log 2>&1
echo done > $R/rc-laneA.done
