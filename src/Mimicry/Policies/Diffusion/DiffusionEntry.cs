using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Generative;

namespace Mimicry.Policies.Diffusion;

/// <summary>Diffusion Policy's registry entry: what training, evaluation and every experiment need from it.</summary>
public static class DiffusionEntry
{
    /// <summary>Ids of the comparison's rows (claims key on them).</summary>
    public const string Ddpm100 = "diffusion/ddpm-100", Ddim10 = "diffusion/ddim-10";

    public static readonly PolicyEntry Entry = PolicyEntry.For<DiffusionConfig>("diffusion", "Diffusion Policy (1-D conditional U-Net, DDPM/DDIM)",
        (c, n, d) => new DiffusionPolicy(c, n, d), tiny: () => new DiffusionConfig { DownDims = [16, 32], DiffusionStepEmbedDim = 32 }) with
    {
        // dp-pusht-lowdim-cpu-lr1e-3: on a short budget lr 1e-3 beats DP's 1e-4 (0.917 against 0.588 on the protocol).
        CpuSettings = ["policy.down_dims=[32,64,128]", "train.lr=1e-3"],
        CompareVariants =
        [
            new(Ddpm100, "diffusion DDPM-100", ["policy.sampler=ddpm", "policy.num_inference_steps=100"]),
            new(Ddim10, "diffusion DDIM-10", ["policy.sampler=ddim", "policy.num_inference_steps=10"]),
        ],
        // The fork: the CPU-sized U-Net, sampled with DDIM-10.
        Fork = new ForkArm(() => new DiffusionConfig { ObservationKey = FeatureKeys.State, DownDims = [32, 64, 128], Sampler = SamplerKind.Ddim, NumInferenceSteps = 10 },
            t => t, [new("diffusion", "diffusion", [])]),
        Guidance = new GuidanceSupport("diffusion + CFG", ["policy.sampler=ddpm", "policy.num_inference_steps=100"]),
        SamplerGrid = (config, counts) => SamplerGrid((DiffusionConfig)config, counts),
        Claims =
        [
            new("Diffusion Policy", "expressive: the best score", c => c.OnTask(Tasks.PushT).MaxBy(r => r.RewardMean) is not { } top ? null :
                ($"Push-T best row: {top.Row} {top.RewardMean:F3} ± {top.RewardStd:F3}" +
                 (top.Policy == "diffusion" ? "" : $"; diffusion's best {c.OnTask(Tasks.PushT).Where(r => r.Policy == "diffusion").Select(r => r.RewardMean).DefaultIfEmpty().Max():F3}"),
                 top.Policy == "diffusion" ? PolicyClaim.Supported : $"**not supported at this budget**: {top.Row} learns faster (a longer budget is `bench/results/pusht-protocol/lr1e-3/`)")),
            new("Diffusion Policy", "keeps both modes", c => c.Find(Ddpm100, Tasks.Fork) is { ForkLeft: { } l, ForkRight: { } r } fork
                ? ($"fork: samples left {l:P0} / right {r:P0}, success {fork.SuccessMean:P0}", l >= 0.2 && r >= 0.2 ? PolicyClaim.Supported : PolicyClaim.NotSupported) : null),
            new("Diffusion Policy", "slow inference", c =>
            {
                var few = c.OnTask(Tasks.PushT).Where(r => r.NetworkPasses is > 1 and <= 10 && r.Batch1P50Ms != null).ToList();
                if (c.Find(Ddpm100, Tasks.PushT) is not { Batch1P50Ms: { } slow } || few.Count == 0) return null;
                return ($"Push-T batch-1 chunk: DDPM-100 {slow:F0} ms; {string.Join(", ", few.Select(r => $"{r.Row} {r.Batch1P50Ms:F0} ms"))}",
                    slow > 4 * few.Min(r => r.Batch1P50Ms!.Value) ? PolicyClaim.Supported : PolicyClaim.NotSupported);
            }),
        ],
    };

    /// <summary>DDPM at its training steps, and DDIM at every count (at most the training steps) with leading and trailing spacing.</summary>
    private static IReadOnlyList<SamplerSetting> SamplerGrid(DiffusionConfig d, IReadOnlyList<int> counts)
    {
        if (counts.FirstOrDefault(n => n > d.NumTrainTimesteps) is var tooMany and > 0)
            throw new ArgumentException($"--steps {tooMany}: this diffusion policy was trained with {d.NumTrainTimesteps} steps; DDIM takes at most that many");
        var rows = new List<SamplerSetting>
        {
            new("ddpm", "leading", d.NumTrainTimesteps, d.NumTrainTimesteps, ["policy.sampler=ddpm", $"policy.num_inference_steps={d.NumTrainTimesteps}", "policy.timestep_spacing=leading"]),
        };
        foreach (var spacing in new[] { "leading", "trailing" })
            foreach (int n in counts)
                rows.Add(new("ddim", spacing, n, n, ["policy.sampler=ddim", $"policy.num_inference_steps={n}", $"policy.timestep_spacing={spacing}"]));
        return rows;
    }
}
