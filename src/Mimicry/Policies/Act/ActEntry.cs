using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;

namespace Mimicry.Policies.Act;

/// <summary>ACT's registry entry.</summary>
public static class ActEntry
{
    public const string Chunked = "act/receding-horizon", Ensembled = "act/temporal-ensemble";

    public static readonly PolicyEntry Entry = PolicyEntry.For<ActConfig>("act", "ACT: CVAE transformer over action chunks (L1 + KL), temporal ensembling as an option",
        (c, n, d) => new ActPolicy(c, n, d),
        tiny: () => new ActConfig { DimModel = 32, NHeads = 4, DimFeedforward = 64, NEncoderLayers = 1, NVaeEncoderLayers = 1, Horizon = 8, NActionSteps = 8, LatentDim = 4 }) with
    {
        // LeRobot's ACT optimization (configuration_act.py get_optimizer_preset, configs/train.py): AdamW 1e-5, weight decay 1e-4,
        // no schedule, clip 10, batch 8, no EMA.
        TrainDefaults = () => new TrainConfig { Lr = 1e-5, WeightDecay = 1e-4, Beta1 = 0.9, WarmupSteps = 0, LrScheduler = LrSchedulerKind.Constant, GradClipNorm = 10, BatchSize = 8, UseEma = false },
        // ACT's known weakness, the KL term: β = 0 is a plain chunking transformer (no CVAE), 10 ACT's.
        Sweep = PolicyEntry.Grid([("kl0", ["policy.use_vae=false", "policy.kl_weight=0"]), ("kl1", ["policy.kl_weight=1"]), ("kl10", ["policy.kl_weight=10"]), ("kl100", ["policy.kl_weight=100"])]),
        // act-pusht-cpu: LeRobot's ACT at chunk 16, width 128 (1.9M parameters).
        CpuSettings = ["policy.dim_model=128", "policy.dim_feedforward=512", "policy.n_heads=8", "policy.horizon=16", "policy.n_action_steps=8", "train.batch_size=64", "train.lr=1e-4"],
        CompareVariants = [new(Chunked, "act", ["policy.execution=receding_horizon"]), new(Ensembled, "act + temporal ensembling", ["policy.execution=temporal_ensemble"])],
        ForkSettings = ["policy.robot_state_dim=2"], // the fork's state is the 2-D position
        // The fork: width 128 (feed-forward 4D, 4 heads, 2 encoder and 2 CVAE-encoder layers, chunk 16), β = 10; 3e-4 with
        // clipping, no EMA (LeRobot); acted with z = 0 (ACT's choice) and z ~ N(0, I), to see whether the latent picks a side.
        Fork = new ForkArm(
            () => new ActConfig
            {
                ObservationKey = FeatureKeys.State, RobotStateDim = 2, Horizon = 16, NActionSteps = 8,
                DimModel = 128, DimFeedforward = 4 * 128, NHeads = 4, NEncoderLayers = 2, NVaeEncoderLayers = 2, KlWeight = 10,
            },
            t => t with { Lr = 3e-4, GradClipNorm = 10, UseEma = false },
            [new("act/z-zero", "act (z = 0)", ["policy.latent=zero"]), new("act/z-prior", "act (z ~ N(0, I))", ["policy.latent=prior"])]),
        Claims =
        [
            new("ACT", "temporal ensembling smooths", c => c.Find(Chunked, Tasks.PushT) is { } act && c.Find(Ensembled, Tasks.PushT) is { } te
                ? ($"Push-T change at chunk boundaries p99: {act.P99BoundaryChange:F1} without, {te.P99BoundaryChange:F1} with (mean change {act.MeanChange:F1} / {te.MeanChange:F1})",
                   te.MeanChange < act.MeanChange ? PolicyClaim.Supported : PolicyClaim.NotSupported) : null),
            new("ACT", "multimodal (a CVAE)", c => c.Find(Chunked, Tasks.Fork) is { ForkLeft: { } l, ForkMiddle: { } m, ForkRight: { } r } fork
                ? ($"fork samples with z = 0: left {l:P0} / middle {m:P0} / right {r:P0}, success {fork.SuccessMean:P0}",
                   l >= 0.2 && r >= 0.2 ? PolicyClaim.Supported : "**not supported by this run**: the prior's mean picks one action; chunking, not the latent, gets it round") : null),
            PolicyClaim.Elsewhere("ACT", "KL instability", "not measured by compare: the KL sweep (`bench/results/act/`)"),
        ],
    };
}
