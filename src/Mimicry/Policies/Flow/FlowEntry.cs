using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Generative;

namespace Mimicry.Policies.Flow;

/// <summary>Flow matching's registry entry.</summary>
public static class FlowEntry
{
    public const string Euler10 = "flow/euler-10";

    public static readonly PolicyEntry Entry = PolicyEntry.For<FlowConfig>("flow", "Flow matching on the Diffusion Policy U-Net (π0's objective, Euler sampling)",
        (c, n, d) => new FlowPolicy(c, n, d), tiny: () => new FlowConfig { DownDims = [16, 32], DiffusionStepEmbedDim = 32 }) with
    {
        CpuSettings = ["policy.down_dims=[32,64,128]", "train.lr=1e-3"], // flow-pusht-lowdim-cpu-lr1e-3: diffusion's optimizer
        CompareVariants = [new(Euler10, "flow Euler-10", ["policy.sampler=euler", "policy.num_inference_steps=10"])],
        Fork = new ForkArm(() => new FlowConfig { ObservationKey = FeatureKeys.State, DownDims = [32, 64, 128], NumInferenceSteps = 10 }, t => t, [new("flow", "flow", [])]),
        Guidance = new GuidanceSupport("flow + CFG", ["policy.sampler=euler", "policy.num_inference_steps=10"]),
        SamplerGrid = (config, counts) => [.. new[] { OdeSolver.Euler, OdeSolver.Heun }.SelectMany(solver => counts.Select(n =>
            new SamplerSetting(solver == OdeSolver.Euler ? "euler" : "heun", "-", n, FlowSampling.EvaluationsOf(n, solver),
                [$"policy.sampler={(solver == OdeSolver.Euler ? "euler" : "heun")}", $"policy.num_inference_steps={n}"])))],
        Claims =
        [
            // Against the row with the most network passes per chunk (DDPM-100 in the comparison).
            new("Flow matching", "fast at the same quality", c =>
            {
                var slowest = c.OnTask(Tasks.PushT).Where(r => r.Policy != "flow" && r.Batch1P50Ms != null).MaxBy(r => r.NetworkPasses);
                if (c.Find(Euler10, Tasks.PushT) is not { Batch1P50Ms: { } fast } flow || slowest is not { Batch1P50Ms: { } slow }) return null;
                return ($"Push-T: flow {flow.RewardMean:F3} at {fast:F0} ms against {slowest.Row} {slowest.RewardMean:F3} at {slow:F0} ms",
                    fast < slow / 4 && flow.RewardMean >= slowest.RewardMean - 0.05 ? PolicyClaim.Supported : PolicyClaim.NotSupported);
            }),
        ],
    };
}
