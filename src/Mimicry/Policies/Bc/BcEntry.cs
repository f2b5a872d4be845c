using Mimicry.Data;
using Mimicry.Envs;

namespace Mimicry.Policies.Bc;

/// <summary>Behaviour cloning's registry entry: the baseline every comparison measures the others against.</summary>
public static class BcEntry
{
    public static readonly PolicyEntry Entry = PolicyEntry.For<BcConfig>("bc", "Behaviour cloning (MLP regression of the action chunk, MSE)",
        (c, n, d) => new BcPolicy(c, n, d), tiny: () => new BcConfig { HiddenDims = [64, 64], Dropout = 0.1 }) with
    {
        Baseline = true,
        Sweep = PolicyEntry.Grid(
            [("w256x3", ["policy.hidden_dims=[256,256,256]"]), ("w1024x3", ["policy.hidden_dims=[1024,1024,1024]"])],
            [("lr1e-4", ["train.lr=1e-4"]), ("lr1e-3", ["train.lr=1e-3"])],
            [("H16Ta8", ["policy.horizon=16", "policy.n_action_steps=8"]), ("H2Ta1", ["policy.horizon=2", "policy.n_action_steps=1"])]),
        CpuSettings = ["policy.hidden_dims=[1024,1024,1024]", "train.lr=1e-3"], // the protocol's best BC sweep row
        Fork = new ForkArm(() => new BcConfig { ObservationKey = FeatureKeys.State, HiddenDims = [256, 256, 256] }, t => t, [new("bc", "bc", [])]),
        Claims =
        [
            new("BC", "averages modes", c => c.Find("bc", Tasks.Fork) is { ForkMiddle: { } m } fork
                ? ($"fork: success {fork.SuccessMean:P0}, samples in the middle {m:P0}", m >= 0.5 ? PolicyClaim.Supported : PolicyClaim.NotSupported) : null),
            // Against the cheapest sampler that takes several network passes per chunk.
            new("BC", "simple and cheap", c =>
            {
                var sampled = c.OnTask(Tasks.PushT).Where(r => r.NetworkPasses > 1 && r.Batch1P50Ms != null).MinBy(r => r.Batch1P50Ms);
                if (c.Find("bc", Tasks.PushT) is not { Batch1P50Ms: { } ms } bc || sampled is not { Batch1P50Ms: { } other }) return null;
                return ($"Push-T: {bc.TrainSteps} steps in the budget against {sampled.Row}'s {sampled.TrainSteps}; batch-1 chunk {ms:F1} ms against {sampled.Row}'s {other:F0} ms; score {bc.RewardMean:F3}",
                    ms < other / 4 ? PolicyClaim.Supported : PolicyClaim.NotSupported);
            }),
        ],
    };
}
