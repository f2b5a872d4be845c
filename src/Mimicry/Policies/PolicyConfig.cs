using System.Text.Json.Serialization;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies.Diffusion;

namespace Mimicry.Policies;

/// <summary>
/// What every policy config says: which observation it reads and its receding-horizon windows.
/// Subclasses carry the published defaults of their method; "type" selects one in JSON.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(DiffusionConfig), "diffusion")]
[JsonDerivedType(typeof(Bc.BcConfig), "bc")]
public abstract record PolicyConfig
{
    /// <summary>Observation feature the policy conditions on (observation.keypoints, 20, by default; observation.state, 5, as an option).</summary>
    public string ObservationKey { get; init; } = FeatureKeys.Keypoints;
    /// <summary>Observations in the window (To).</summary>
    public int NObsSteps { get; init; } = 2;
    /// <summary>Actions predicted per window (H).</summary>
    public int Horizon { get; init; } = 16;
    /// <summary>Actions executed per prediction (Ta), starting at the last observation.</summary>
    public int NActionSteps { get; init; } = 8;
    public NormalizationMode ObservationNormalization { get; init; } = NormalizationMode.MinMax;
    public NormalizationMode ActionNormalization { get; init; } = NormalizationMode.MinMax;

    [JsonIgnore] public WindowConfig Window => new(NObsSteps, Horizon, NActionSteps);
    [JsonIgnore] public abstract string Name { get; }

    public virtual void Validate() => Window.Validate();
}
