#!/usr/bin/env bash
# Lane A: DT diagnosis (return-conditioning issue): K = 20 on the 90 clean human episodes, then K = 1 (no history) on the mixed data.
# Lane B: one token row at a longer budget (bins 256, 5,000 steps): does the token policy leave the floor it sits on at 1,500?
set -u
R=/work/main/runs/s6
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
export OMP_NUM_THREADS=1
T="--set train.threads=1 --set train.batch_size=64 --set train.warmup_steps=400 --set policy.max_episode_length=300 --set train.lr=0.001 --overwrite"
S="--dataset /work/main/runs/quickstart/dataset --episodes 50 --seed-start 100000 --set train.threads=1 --set train.split=dp_pusht --set train.max_train_episodes=90 --set policy.horizon=16 --set policy.n_action_steps=8 --set policy.embed_dim=128 --set policy.n_layer=2 --set policy.n_head=4 --set train.batch_size=128 --set train.lr=0.001 --set train.warmup_steps=150"
( while [ ! -f $R/tokensA.done ]; do sleep 10; done
  $M train dt --dataset /work/main/runs/quickstart/dataset --set train.split=dp_pusht --set train.max_train_episodes=90 --set train.steps=2000 $T --out $R/rc/dt-human > $R/train-dt-human.log 2>&1
  $M ablate setting $R/rc/dt-human --setting policy.target_return --values 1.0 --episodes 100 --out $R/rc-eval/dt-human > $R/eval-dt-human.log 2>&1
  $M train dt --dataset $R/mix --set train.steps=4000 --set policy.horizon=1 --set policy.n_obs_steps=1 $T --out $R/rc/dt-k1 > $R/train-dt-k1.log 2>&1
  $M ablate setting $R/rc/dt-k1 --setting policy.target_return --values 0.2,1.0 --episodes 100 --out $R/rc-eval/dt-k1 > $R/eval-dt-k1.log 2>&1
  echo done > $R/diagA.done ) &
( while [ ! -f $R/tokensB2.done ]; do sleep 10; done
  $M sweep tokens $S --steps 5000 --vary policy.bins=256 --out $R/tokens/long-bins256 > $R/tokens-long.log 2>&1
  echo done > $R/diagB.done ) &
wait
