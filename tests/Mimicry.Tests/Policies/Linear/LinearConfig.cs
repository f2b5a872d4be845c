using Mimicry.Policies;

namespace Mimicry.Tests.Policies.Linear;

/// <summary>A policy defined outside the library (the architecture's "one folder plus one registry line", tested): the
/// action window as one linear map of the observation window.</summary>
public sealed record LinearConfig : PolicyConfig
{
    /// <summary>Scale of the weights at initialization.</summary>
    public double InitScale { get; init; } = 0.01;

    public override void Validate()
    {
        base.Validate();
        if (!(InitScale > 0)) throw new ArgumentException($"policy.init_scale must be > 0, got {InitScale}");
    }
}
