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
        Sweep = PolicyEntry.Grid([
            ("relative128-soft", ["policy.tokenizer=bins", "policy.bins=128", "policy.action_reference=[18,19]", "policy.label_sigma=1.5"]),
            ("relative128", ["policy.tokenizer=bins", "policy.bins=128", "policy.action_reference=[18,19]", "policy.label_sigma=0"]),
            ("absolute256", ["policy.tokenizer=bins", "policy.bins=256", "policy.action_reference=[]", "policy.label_sigma=0"]),
            ("fast-relative", ["policy.tokenizer=fast", "policy.fast_scale=20", "policy.action_reference=[18,19]", "policy.label_sigma=0"])]),
        Shorthands = [("--tokenizer", "policy.tokenizer", "how actions become tokens: bins (uniform, RT-2/OpenVLA), quantile or fast"), ("--bins", "policy.bins", "bins per dimension (bins, quantile)")],
        // The Push-T preset's settings (tokens-pusht-lowdim-cpu): actions relative to the agent's position (Push-T keypoints 18, 19),
        // 128 bins, Gaussian soft targets of 1.5 bins, on the CPU-sized transformer (width 128, 2 layers, batch 128, lr 1e-3).
        // Probes at 3,000 steps (bench/results/tokens/relative/): 0.476 with soft targets, 0.358 one-hot; absolute 256 bins 0.129 at 1,500.
        // The preset on DP's protocol (8,000 steps, 3 seeds x last 5): max 0.804, avg 0.778.
        CpuSettings = ["policy.tokenizer=bins", "policy.bins=128", "policy.action_reference=[18,19]", "policy.label_sigma=1.5", "policy.n_layer=2", "train.batch_size=128", "train.lr=1e-3"],
        // The fork keeps the rows it was measured with: absolute actions (its state has no agent position at 18, 19), 256 bins, one-hot targets.
        ForkSettings = ["policy.bins=256", "policy.action_reference=[]", "policy.label_sigma=0"],
        CompareVariants = [new(Bins, "tokens (bins, greedy)", ["policy.temperature=0"])],
        // FAST (Pertsch et al. 2025): DCT per action dimension, BPE to 1024 tokens, on the relative actions as π0-FAST; γ 20 from the replay
        // curve (open loop: γ 10 costs 0.130 at 4.5 tokens per chunk, γ 20 0.034 at 6.6, γ 40 0.028 at 9.3; bench/results/tokens/replay/).
        ExtraArms = [new("tokens-fast", ["policy.tokenizer=fast", "policy.fast_scale=20", "policy.label_sigma=0"], [new(Fast, "tokens (FAST, greedy)", ["policy.temperature=0"])])],
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
                string learned = $"Push-T: tokens {bins.RewardMean:F3}{(fast is null ? "" : $", FAST {fast.RewardMean:F3}")} against the best other row ({best.Row}) {best.RewardMean:F3}";
                // What discretization alone costs: the demonstrations replayed open loop through the tokenizers (no learning).
                if (c.Fact("replay/none (recorded actions)") is not { } recorded || c.Fact("replay/relative bins128") is not { } relative)
                    return (learned + "; the replay (what discretization alone costs) was not run: `mimicry tokenize replay`",
                        bins.RewardMean < best.RewardMean ? "lower score here; the replay says how much of it is rounding" : PolicyClaim.NotSupported);
                double rounding = recorded - relative, gap = best.RewardMean - bins.RewardMean;
                string replayText = $"replayed demonstrations (no learning): recorded {recorded:F3}, relative 128 bins {relative:F3}" +
                    (c.Fact("replay/bins256") is { } b256 ? $", 256 bins {b256:F3}" : "") + (c.Fact("replay/fast") is { } f10 ? $", FAST γ 10 {f10:F3}" : "") +
                    (c.Fact("replay/fast-scale20") is { } f20 ? $", FAST γ 20 {f20:F3}" : "");
                return ($"{learned}; {replayText}",
                    gap <= 0 ? PolicyClaim.NotSupported
                    : rounding >= gap / 2 ? "supported: the rounding alone costs as much as the gap"
                    : $"precision is not what loses here: the bins' rounding costs {rounding:F3} open loop, the learned row trails by {gap:F3}");
            }),
        ],
    };
}
