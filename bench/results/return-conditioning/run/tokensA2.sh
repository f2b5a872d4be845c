#!/usr/bin/env bash
# Replaces tokens.sh's lane A: first diffusion-cfg asked for a low return (does the label steer down?), then the bins sweep rows.
set -u
R=/work/main/runs/s6
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
export OMP_NUM_THREADS=1
S="--dataset /work/main/runs/quickstart/dataset --steps 1500 --episodes 50 --seed-start 100000 --set train.threads=1 --set train.split=dp_pusht --set train.max_train_episodes=90 --set policy.horizon=16 --set policy.n_action_steps=8 --set policy.embed_dim=128 --set policy.n_layer=2 --set policy.n_head=4 --set train.batch_size=128 --set train.lr=0.001 --set train.warmup_steps=150"
while [ ! -f $R/rc-laneA.done ]; do sleep 10; done
$M ablate setting $R/rc/diffusion-cfg --setting 'policy.condition_value' --values '[0.2],[0.5]' --set policy.guidance_scale=2 --episodes 100 --out $R/rc-eval/diffusion-cfg-low > $R/eval-rc-cfg-low.log 2>&1
date > $R/tokensA.started
$M sweep tokens $S --vary policy.bins=8,32,128,1024 --out $R/tokens/bins-a > $R/tokens-bins-a.log 2>&1
echo done > $R/tokensA.done
