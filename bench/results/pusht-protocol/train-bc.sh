#!/usr/bin/env bash
# Issue 10: BC's best preliminary sweep row (w1024x3, lr 1e-3, H16 Ta8) at the diffusion CPU preset's budget, 3 seeds.
set -u
cd /work/main
for s in 0 1 2; do
  OMP_NUM_THREADS=1 ./mimicry train bc --dataset runs/quickstart/dataset --out runs/protocol/bc-s$s --overwrite \
    --set train.seed=$s --set train.threads=1 --set train.steps=4000 --set train.checkpoint_every=80 --set train.keep_checkpoints=5 \
    --set train.split=dp_pusht --set train.max_train_episodes=90 --set train.grad_clip_norm=0 \
    --set 'policy.hidden_dims=[1024,1024,1024]' --set train.lr=0.001 --set policy.horizon=16 --set policy.n_action_steps=8 \
    > runs/protocol/train-bc-s$s.log 2>&1
done
echo done > runs/protocol/train-bc.done
