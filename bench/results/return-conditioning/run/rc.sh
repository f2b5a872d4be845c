#!/usr/bin/env bash
# Session 6. After flow's sweep: its evaluations (issue 11), then the Push-T mixed-data table (issue 13), two single-thread lanes.
# Every row: 2,000 steps at batch 256 on runs/s6/mix; evaluation on the final checkpoint, 100 episodes, DP's seeds from 100000.
set -u
R=/work/main/runs/s6
while [ ! -f $R/flowsweep.done ] || [ ! -f $R/mix.done ] || [ ! -f $R/threshold ]; do sleep 10; done
THR=$(cat $R/threshold)
M="dotnet /work/evaltree/src/Mimicry.Cli/bin/Release/net10.0/Mimicry.Cli.dll"
D=$R/mix
export OMP_NUM_THREADS=1
B="--dataset $D --set train.threads=1 --set train.steps=2000 --set train.batch_size=256 --set train.warmup_steps=200 --overwrite"
DP="--preset dp-pusht-lowdim-cpu-lr1e-3 --set train.split=seeded --set train.max_train_episodes=null --set train.checkpoint_every=400"
BC="--set policy.hidden_dims=[1024,1024,1024] --set train.lr=0.001 --set policy.horizon=16 --set policy.n_action_steps=8 --set train.grad_clip_norm=0"
DT="--set policy.max_episode_length=300 --set train.lr=0.001"
E="--checkpoints latest --episodes 100 --seed-start 100000"
date > $R/rc.started
( # lane A
  $M train diffusion $DP $B --out $R/rc/diffusion-all > $R/train-diffusion-all.log 2>&1
  $M train bc $BC $B --out $R/rc/bc-all > $R/train-bc-all.log 2>&1
  $M train dt $DT $B --out $R/rc/dt > $R/train-dt.log 2>&1
  echo done > $R/rc-trainA.done
  $M eval $R/rc/bc-all $R/rc/bc-filtered $E --out $R/rc-eval/bc > $R/eval-rc-bc.log 2>&1
  $M ablate setting $R/rc/dt --setting policy.target_return --values 0.2,0.4,0.6,0.8,1.0 --episodes 100 --out $R/rc-eval/dt-target > $R/eval-rc-dt.log 2>&1
  $M eval $R/rc/diffusion-all $R/rc/diffusion-filtered $E --out $R/rc-eval/diffusion > $R/eval-rc-diffusion.log 2>&1
  echo done > $R/rc-laneA.done
) &
( # lane B
  $M train diffusion $DP $B --set train.min_episode_return=$THR --out $R/rc/diffusion-filtered > $R/train-diffusion-filtered.log 2>&1
  $M train diffusion $DP $B --set policy.condition=episode_max_reward --set policy.condition_dropout=0.25 --out $R/rc/diffusion-cfg > $R/train-diffusion-cfg.log 2>&1
  $M train bc $BC $B --set train.min_episode_return=$THR --out $R/rc/bc-filtered > $R/train-bc-filtered.log 2>&1
  echo done > $R/rc-trainB.done
  $M ablate setting $R/rc/diffusion-cfg --setting policy.guidance_scale --values 0,1,1.2,1.5,2 --set 'policy.condition_value=[1]' --episodes 100 --out $R/rc-eval/diffusion-cfg > $R/eval-rc-cfg.log 2>&1
  echo done > $R/rc-laneB.done
) &
wait
date >> $R/rc.started
echo done > $R/rc.done
