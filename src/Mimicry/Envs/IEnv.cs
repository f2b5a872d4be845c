namespace Mimicry.Envs;

/// <summary>Which environment observation a dataset feature is.</summary>
public static class ObservationKinds
{
    public static ObservationKind Of(string feature) => feature switch
    {
        Data.FeatureKeys.State => ObservationKind.State,
        Data.FeatureKeys.Keypoints => ObservationKind.Keypoints,
        Data.FeatureKeys.Image => ObservationKind.Pixels,
        _ => throw new NotSupportedException($"no environment observation for feature '{feature}'"),
    };
}

/// <summary>What an environment can be asked to observe.</summary>
public enum ObservationKind
{
    /// <summary>Low-dimensional state (Push-T: agent x, y, block x, y, angle).</summary>
    State,
    /// <summary>Keypoints (Push-T: 9 block keypoints then the agent position, 20 numbers, DP low-dim).</summary>
    Keypoints,
    /// <summary>An RGB image, height x width x 3, values 0..255 (Push-T: 96x96).</summary>
    Pixels,
}

/// <summary>Static facts about an environment: sizes and limits a policy needs.</summary>
/// <param name="Name">Task name, e.g. "pusht".</param>
/// <param name="ActionDim">Length of one action.</param>
/// <param name="ActionLow">Nominal lower bound of every action component.</param>
/// <param name="ActionHigh">Nominal upper bound of every action component.</param>
/// <param name="MaxSteps">Steps per evaluation episode.</param>
/// <param name="ObservationSizes">Number of floats per observation kind.</param>
public sealed record EnvSpec(string Name, int ActionDim, double ActionLow, double ActionHigh, int MaxSteps,
    IReadOnlyDictionary<ObservationKind, int> ObservationSizes);

/// <summary>What one step returned.</summary>
/// <param name="Reward">The task's reward (Push-T: clip(coverage / 0.95, 0, 1)).</param>
/// <param name="Success">The task's success predicate (Push-T: coverage &gt; 0.95).</param>
public readonly record struct StepResult(double Reward, bool Success);

/// <summary>A single, seeded, deterministic environment.</summary>
public interface IEnv : IDisposable
{
    EnvSpec Spec { get; }

    /// <summary>Starts a new episode; the same seed always gives the same start.</summary>
    void Reset(long seed);

    /// <summary>Applies one action. Throws <see cref="ArgumentException"/> for a wrong length or a non-finite value.</summary>
    StepResult Step(ReadOnlySpan<double> action);

    /// <summary>Writes the current observation of the given kind into <paramref name="destination"/>.</summary>
    void Observe(ObservationKind kind, Span<float> destination);
}
