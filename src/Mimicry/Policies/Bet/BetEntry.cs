using Mimicry.Configuration;
using Mimicry.Data;

namespace Mimicry.Policies.Bet;

/// <summary>The Behavior Transformer's registry entry: the discrete paradigm as the Diffusion Policy paper's baseline runs it.</summary>
public static class BetEntry
{
    public static readonly PolicyEntry Entry = PolicyEntry.For<BetConfig>("bet",
        "Behavior Transformer: k-means action bins plus regressed offsets, predicted by a GPT over the observation history (focal loss)",
        (c, n, d) => new BetPolicy(c, n, d),
        tiny: () => new BetConfig { Bins = 8, EmbedDim = 32, NLayer = 1, NHead = 2, KMeansIterations = 10 }) with
    {
        // DP's train_bet_lowdim_workspace.yaml: AdamW lr 1e-4, weight decay 0.1 (matrices), betas 0.9 / 0.95, cosine after 500
        // warm-up steps, batch 256, gradient clip 1.0; no EMA.
        TrainDefaults = () => new TrainConfig { Lr = 1e-4, WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.95, WarmupSteps = 500, LrScheduler = LrSchedulerKind.Cosine, GradClipNorm = 1.0, BatchSize = 256, UseEma = false },
        // DP's single-action codes against codes of 16-action chunks (8 executed), at DP's 24 and at 64 bins.
        Sweep = PolicyEntry.Grid(
            [("c1", ["policy.chunk_size=1", "policy.horizon=3", "policy.n_action_steps=1"]), ("c16", ["policy.chunk_size=16", "policy.horizon=18", "policy.n_action_steps=8"])],
            [("k24", ["policy.bins=24"]), ("k64", ["policy.bins=64"])]),
        Shorthands = [("--bins", "policy.bins", "k-means bins (DP: 24)")],
        // DP's architecture is already CPU-sized (0.27M parameters); a short schedule needs the larger lr; 64 codes of 16-action
        // chunks, 8 executed (bet-chunks-pusht-lowdim-cpu: the discrete row that works, bench/results/bet/).
        CpuSettings = ["train.lr=1e-3", "policy.chunk_size=16", "policy.horizon=18", "policy.n_action_steps=8", "policy.bins=64"],
        CompareVariants = [new("bet", "BeT (T = 1)", []), new("bet/t0.1", "BeT (T = 0.1)", ["policy.temperature=0.1"])],
        Fork = new ForkArm(() => new BetConfig { ObservationKey = FeatureKeys.State, Bins = 16, EmbedDim = 64, NLayer = 2, NHead = 4 },
            t => t with { Lr = 1e-3, WeightDecay = 0.1, Beta2 = 0.95, GradClipNorm = 1, UseEma = false },
            [new("bet", "BeT (T = 1)", [])]),
    };
}
