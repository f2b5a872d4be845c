#!/usr/bin/env bash
# Session 6, issue 14: tokens on Push-T (DP's 90 episodes, H 16, 8 executed), one CPU-sized transformer (width 128, 2 layers),
# 1,500 steps at batch 128 per row, greedy decoding, the final checkpoint on DP's seeds 100000-100049.
# Two single-thread lanes, each starting when its lane of rc.sh is done.
set -u
R=/work/main/runs/s6
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
export OMP_NUM_THREADS=1
S="--dataset /work/main/runs/quickstart/dataset --steps 1500 --episodes 50 --seed-start 100000 --set train.threads=1 --set train.split=dp_pusht --set train.max_train_episodes=90 --set policy.horizon=16 --set policy.n_action_steps=8 --set policy.embed_dim=128 --set policy.n_layer=2 --set policy.n_head=4 --set train.batch_size=128 --set train.lr=0.001 --set train.warmup_steps=150"
( while [ ! -f $R/rc-laneA.done ]; do sleep 10; done
  date > $R/tokensA.started
  $M sweep tokens $S --vary policy.bins=8,32,128,1024 --out $R/tokens/bins-a > $R/tokens-bins-a.log 2>&1
  echo done > $R/tokensA.done ) &
( while [ ! -f $R/rc-laneB.done ]; do sleep 10; done
  date > $R/tokensB.started
  $M sweep tokens $S --vary policy.bins=16,64,256 --out $R/tokens/bins-b > $R/tokens-bins-b.log 2>&1
  $M sweep tokens $S --vary policy.tokenizer=fast --out $R/tokens/fast > $R/tokens-fast.log 2>&1
  $M sweep tokens $S --vary policy.tokenizer=quantile --out $R/tokens/quantile > $R/tokens-quantile.log 2>&1
  echo done > $R/tokensB.done ) &
wait
echo done > $R/tokens.done
