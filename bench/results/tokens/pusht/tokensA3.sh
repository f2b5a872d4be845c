#!/usr/bin/env bash
# Rebalanced lanes: A runs bins 8, 32, 128 once the low-return CFG evaluation is written; B adds 1024 after its rows.
set -u
R=/work/main/runs/s6
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
export OMP_NUM_THREADS=1
S="--dataset /work/main/runs/quickstart/dataset --steps 1500 --episodes 50 --seed-start 100000 --set train.threads=1 --set train.split=dp_pusht --set train.max_train_episodes=90 --set policy.horizon=16 --set policy.n_action_steps=8 --set policy.embed_dim=128 --set policy.n_layer=2 --set policy.n_head=4 --set train.batch_size=128 --set train.lr=0.001 --set train.warmup_steps=150"
( while pgrep -f "ablate setting" > /dev/null; do sleep 10; done
  date > $R/tokensA.started
  $M sweep tokens $S --vary policy.bins=8,32,128 --out $R/tokens/bins-a > $R/tokens-bins-a.log 2>&1
  echo done > $R/tokensA.done ) &
( while [ ! -f $R/tokensB.done ]; do sleep 10; done
  $M sweep tokens $S --vary policy.bins=1024 --out $R/tokens/bins-1024 > $R/tokens-bins-1024.log 2>&1
  echo done > $R/tokensB2.done ) &
wait
