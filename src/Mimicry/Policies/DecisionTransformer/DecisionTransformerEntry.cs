using System.Globalization;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;

namespace Mimicry.Policies.DecisionTransformer;

/// <summary>The Decision Transformer's registry entry.</summary>
public static class DecisionTransformerEntry
{
    public const string BestReturn = "dt/return-1";

    public static readonly PolicyEntry Entry = PolicyEntry.For<DecisionTransformerConfig>("dt",
        "Decision Transformer: a causal GPT over (return, state, action) tokens, acting toward a target return",
        (c, n, d) => new DecisionTransformerPolicy(c, n, d),
        tiny: () => new DecisionTransformerConfig { EmbedDim = 32, NLayer = 1, NHead = 2, NObsSteps = 4, Horizon = 4, MaxEpisodeLength = 300 }) with
    {
        // kzl/decision-transformer gym/experiment.py: AdamW 1e-4, weight decay 1e-4, linear warm-up over 10,000 steps then constant,
        // clip 0.25, batch 64, no EMA.
        TrainDefaults = () => new TrainConfig { Lr = 1e-4, WeightDecay = 1e-4, Beta1 = 0.9, WarmupSteps = 10_000, LrScheduler = LrSchedulerKind.Constant, GradClipNorm = 0.25, BatchSize = 64, UseEma = false },
        // dt-pusht-lowdim-cpu: DT's width and depth, context 5, a 16-action chunk head (8 executed), positions within the context,
        // the diffusion CPU preset's batch and lr (bench/results/dt/); the schedule and EMA chosen by their sweep
        // (bench/results/ema-schedule/, seed 0, last 5): DT's own constant rate with EMA, avg 0.617, against 0.520-0.523 under cosine
        // (with or without EMA) and 0.475 constant without EMA.
        CpuSettings = ["policy.max_episode_length=300", "policy.n_obs_steps=5", "policy.horizon=5", "policy.chunk_size=16", "policy.n_action_steps=8",
            "policy.positions=context", "train.batch_size=256", "train.lr=1e-3", "train.warmup_steps=500", "train.lr_scheduler=constant", "train.use_ema=true"],
        // The reference's absolute timestep table against positions within the context (rollouts outlast the demonstrations), and
        // DT's one action per step against a 16-action chunk with 8 executed.
        Sweep = PolicyEntry.Grid([("timestep", ["policy.positions=timestep"]), ("context", ["policy.positions=context"])],
            [("c1", ["policy.chunk_size=1", "policy.n_action_steps=1"]), ("c16", ["policy.chunk_size=16", "policy.n_action_steps=8"])]),
        CompareVariants = [new(BestReturn, "decision transformer (R = 1)", ["policy.target_return=1"])],
        ForkSettings = ["policy.max_episode_length=64"],
        // K = 4 covers a whole episode of a small task; no dropout on a task this small.
        ReturnConditioning = new ReturnConditioning("Decision Transformer",
            maxEpisodeLength => new DecisionTransformerConfig { ObservationKey = FeatureKeys.State, EmbedDim = 32, NLayer = 2, NHead = 2, NObsSteps = 4, Horizon = 4, MaxEpisodeLength = maxEpisodeLength, Dropout = 0 },
            target => [$"policy.target_return={target.ToString(CultureInfo.InvariantCulture)}"]),
        Claims =
        [
            new("Decision Transformer", "return conditioning helps", c => c.Find(BestReturn, Tasks.PushT) is { } dt && c.Baseline(Tasks.PushT) is { } baseline
                ? ($"Push-T's human demonstrations all end near the top return, so there is little to condition on: DT {dt.RewardMean:F3} against {baseline.Row}'s {baseline.RewardMean:F3}; on mixed-quality data `bench/results/return-conditioning/`",
                   dt.RewardMean > baseline.RewardMean ? PolicyClaim.Supported : PolicyClaim.NotSupported) : null),
            PolicyClaim.Elsewhere("Decision Transformer", "return conditioning, no stitching",
                "not measured by compare: `bench/results/stitching/` (asked for 1.0 it never reaches G; Q-learning does)", "see the stitching report"),
        ],
    };
}
