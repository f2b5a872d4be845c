using Mimicry.Envs;
using Mimicry.Policies;

namespace Mimicry.Tests.Policies.Linear;

/// <summary>The linear policy's entry: what training, evaluation and the experiments need from it.</summary>
public static class LinearEntry
{
    public const string Plain = "linear/plain";

    public static readonly PolicyEntry Entry = PolicyEntry.For<LinearConfig>("linear", "A linear map from observations to actions (a test's policy)",
        (c, n, d) => new LinearPolicy(c, n, d), tiny: () => new LinearConfig { Horizon = 8, NActionSteps = 4 }) with
    {
        Sweep = PolicyEntry.Grid([("lr1e-3", ["train.lr=1e-3"]), ("lr1e-2", ["train.lr=1e-2"])]),
        CpuSettings = ["train.lr=1e-3"],
        CompareVariants = [new(Plain, "linear", [])],
        Claims =
        [
            new("Linear", "averages modes", c => c.Find(Plain, Tasks.Fork) is { ForkMiddle: { } m } fork
                ? ($"fork: samples in the middle {m:P0}", m >= 0.5 ? PolicyClaim.Supported : PolicyClaim.NotSupported) : null),
        ],
    };
}
