using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;

namespace Mimicry.Policies.Tokens;

/// <summary>The token policy's registry entry.</summary>
public static class TokensEntry
{
    public const string Bins = "tokens/bins-greedy", Fast = "tokens/fast-greedy";

    public static readonly PolicyEntry Entry = PolicyEntry.For<ActionTokensConfig>("tokens",
        "Actions as tokens (uniform bins, quantile bins or FAST) predicted by an autoregressive transformer with cross-entropy",
        (c, n, d) => new ActionTokensPolicy(c, n, d),
        tiny: () => new ActionTokensConfig { EmbedDim = 64, NLayer = 1, NHead = 2, Bins = 8, FastVocab = 256, FastFitChunks = 200 }) with
    {
        // nanoGPT's AdamW (betas 0.9 / 0.95, weight decay 0.1 on matrices only, clip 1.0, warm-up then cosine) at a small model's lr.
        TrainDefaults = () => new TrainConfig { Lr = 3e-4, WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.95, WarmupSteps = 500, LrScheduler = LrSchedulerKind.Cosine, GradClipNorm = 1.0, BatchSize = 256, UseEma = false },
        Sweep = PolicyEntry.Grid([("bins256", ["policy.tokenizer=bins", "policy.bins=256"]), ("quantile256", ["policy.tokenizer=quantile", "policy.bins=256"]), ("fast", ["policy.tokenizer=fast"])]),
        Shorthands = [("--tokenizer", "policy.tokenizer", "how actions become tokens: bins (uniform, RT-2/OpenVLA), quantile or fast"), ("--bins", "policy.bins", "bins per dimension (bins, quantile)")],
        // RT-2 / OpenVLA's 256 bins on the CPU-sized transformer of bench/results/tokens/pusht/ (width 128, 2 layers, batch 128,
        // lr 1e-3): 3.7 steps/s on one thread against about 1 for the 4-layer, batch-256 default, and the token policy needs steps.
        CpuSettings = ["policy.tokenizer=bins", "policy.bins=256", "policy.n_layer=2", "train.batch_size=128", "train.lr=1e-3"],
        CompareVariants = [new(Bins, "tokens (bins, greedy)", ["policy.temperature=0"])],
        // FAST (Pertsch et al. 2025): DCT per action dimension, scale 10, BPE to 1024 tokens; the same transformer as the bins arm.
        ExtraArms = [new("tokens-fast", ["policy.tokenizer=fast"], [new(Fast, "tokens (FAST, greedy)", ["policy.temperature=0"])])],
        // The fork: 64 uniform bins (its ±1.2 range at ~0.04 per bin), greedy decoding (RT-2, OpenVLA) and sampled at temperature 1;
        // 3e-4 with clipping, no EMA.
        Fork = new ForkArm(
            () => new ActionTokensConfig { ObservationKey = FeatureKeys.State, Tokenizer = TokenizerKind.Bins, Bins = 64, EmbedDim = 64, NLayer = 2, NHead = 4, Horizon = 9, NActionSteps = 8 },
            t => t with { Lr = 3e-4, GradClipNorm = 1, UseEma = false },
            [new("tokens/greedy", "tokens (greedy)", ["policy.temperature=0"]), new("tokens/t1", "tokens (T = 1)", ["policy.temperature=1"])]),
        Claims =
        [
            new("Tokens", "LLM-ready, imprecise", c =>
            {
                var best = c.OnTask(Tasks.PushT).Where(r => r.Policy != "tokens").MaxBy(r => r.RewardMean);
                if (c.Find(Bins, Tasks.PushT) is not { } bins || best is null) return null;
                var fast = c.Find(Fast, Tasks.PushT);
                return ($"Push-T: 256 bins {bins.RewardMean:F3}{(fast is null ? "" : $", FAST {fast.RewardMean:F3}")} against the best other row ({best.Row}) {best.RewardMean:F3}; " +
                        "what discretization alone costs: the human demonstrations replayed through each tokenizer (`mimicry tokenize replay`, `bench/results/tokens/replay/`)",
                    bins.RewardMean < best.RewardMean ? "lower score here; compare the replays: what discretization alone costs against what the learned token model loses" : PolicyClaim.NotSupported);
            }),
        ],
    };
}
