using System.Text.Json.Serialization;
using Mimicry.Data;
using Mimicry.Data.Sampling;

namespace Mimicry.Policies;

/// <summary>How a chunking policy turns its predicted chunks into one action per step.</summary>
public enum ActionExecution
{
    /// <summary>Execute n_action_steps of each chunk, then predict again (Diffusion Policy; LeRobot's action queue).</summary>
    RecedingHorizon,
    /// <summary>Predict every step and average every prediction of the current step (ACT's temporal ensembling).</summary>
    TemporalEnsemble,
}

/// <summary>
/// What every policy config says: which observation it reads, its receding-horizon windows and how it
/// executes its chunks. Subclasses carry the published defaults of their method; <c>type</c> selects
/// one in JSON, with the names listed in <see cref="PolicyRegistry"/>. Fields marked
/// <see cref="ActingAttribute"/> may be changed at evaluation.
/// </summary>
public abstract record PolicyConfig
{
    /// <summary>Observation feature the policy conditions on (observation.keypoints, 20, by default; observation.state, 5, as an option).</summary>
    public string ObservationKey { get; init; } = FeatureKeys.Keypoints;
    /// <summary>Observations in the window (To).</summary>
    public int NObsSteps { get; init; } = 2;
    /// <summary>Actions predicted per window (H).</summary>
    public int Horizon { get; init; } = 16;
    /// <summary>Actions executed per prediction (Ta), starting at the last observation. In training it also
    /// sets how far windows run past an episode's end (DP's pad_after = Ta - 1).</summary>
    [Acting] public int NActionSteps { get; init; } = 8;
    public NormalizationMode ObservationNormalization { get; init; } = NormalizationMode.MinMax;
    public NormalizationMode ActionNormalization { get; init; } = NormalizationMode.MinMax;
    /// <summary>Receding horizon (execute Ta actions per chunk) or temporal ensembling (one chunk per step, averaged).</summary>
    [Acting] public ActionExecution Execution { get; init; } = ActionExecution.RecedingHorizon;
    /// <summary>k of the ensembling weights exp(-k·i), i = 0 the oldest prediction (ACT: 0.01).</summary>
    [Acting] public double TemporalEnsembleCoeff { get; init; } = 0.01;
    /// <summary>Cameras the policy sees: image features (e.g. <c>observation.image</c>) read over the observation window beside
    /// <see cref="ObservationKey"/>. Empty: none. Policies built on the U-Net read them (diffusion, flow).</summary>
    public string[] ImageKeys { get; init; } = [];
    /// <summary>Height, width and channels of every camera's frames (Push-T: 96, 96, 3).</summary>
    public int[] ImageShape { get; init; } = [96, 96, 3];
    /// <summary>Which components of the low-dimensional observation the policy reads (e.g. [0, 1]: Push-T's agent position, DP's
    /// <c>agent_pos</c> beside the image); null: all of them.</summary>
    public int[]? ObservationComponents { get; init; }

    [JsonIgnore] public WindowConfig Window => new(NObsSteps, Horizon, NActionSteps);

    /// <summary>The registered name of this policy type ("diffusion", "bc", ...).</summary>
    [JsonIgnore] public string Name => PolicyRegistry.Of(GetType()).Name;

    /// <summary>
    /// The features a training window holds, over which frames relative to the window start, and how
    /// each is normalized; the loader fills each with a pad mask. Default: DP's observation window
    /// [0, To) and action window [0, H).
    /// </summary>
    [JsonIgnore] public virtual IReadOnlyList<InputFeature> Inputs =>
    [
        new(ObservationKey, 0, NObsSteps, ObservationNormalization),
        .. ImageInputs,
        new(FeatureKeys.Action, 0, Horizon, ActionNormalization),
    ];

    /// <summary>The cameras over the observation window; uint8, not normalized (the policy's encoder scales them).</summary>
    [JsonIgnore] public IEnumerable<InputFeature> ImageInputs => ImageKeys.Select(k => new InputFeature(k, 0, NObsSteps, NormalizationMode.Identity));

    /// <summary>Where windows may start and end around an episode (DP: pad_before = To - 1, pad_after = Ta - 1).</summary>
    [JsonIgnore] public virtual WindowSpec TrainingWindow => new(Inputs, PadBefore: NObsSteps - 1, PadAfter: NActionSteps - 1);

    /// <summary>Checks what only the training data can tell (e.g. an episode longer than a learned timestep table); <paramref name="source"/> names the data.</summary>
    public virtual void CheckData(EpisodeDataset data, string source)
    {
        foreach (var key in ImageKeys)
        {
            if (!data.Has(key)) throw new ArgumentException($"policy.image_keys: dataset {source} has no '{key}' (it has {string.Join(", ", data.Features.Select(f => f.Name))})");
            var f = data.Feature(key);
            if (!f.IsImage || !f.Shape.SequenceEqual(ImageShape))
                throw new ArgumentException($"policy.image_keys: '{key}' of dataset {source} is {(f.IsImage ? $"an image of [{string.Join(", ", f.Shape)}]" : "not an image")}, policy.image_shape is [{string.Join(", ", ImageShape)}]");
        }
        if (ObservationComponents is { } components && data.Has(ObservationKey) && components.Max() >= data.Feature(ObservationKey).Size)
            throw new ArgumentException($"policy.observation_components [{string.Join(", ", components)}]: '{ObservationKey}' of dataset {source} has {data.Feature(ObservationKey).Size} components");
    }

    /// <summary>Network passes per predicted chunk at batch 1 (a sampler's steps; one for a single forward pass).</summary>
    [JsonIgnore] public virtual int NetworkPassesPerChunk => 1;

    /// <summary>The observation features an actor needs from the environment at every step.</summary>
    [JsonIgnore] public IReadOnlyList<string> ObservationKeys => Inputs.Select(f => f.Key).Where(FeatureKeys.IsObservation).Distinct().ToList();

    /// <summary>Checks the receding-horizon window (To, H, Ta); a policy whose chunks are not read off one window checks its own.</summary>
    protected virtual void ValidateWindow() => Window.Validate();

    public virtual void Validate()
    {
        ValidateWindow();
        if (ImageKeys.Any(k => !FeatureKeys.IsObservation(k) || k == ObservationKey) || ImageKeys.Distinct().Count() != ImageKeys.Length)
            throw new ArgumentException($"policy.image_keys [{string.Join(", ", ImageKeys)}] must be distinct observation.* features other than policy.observation_key");
        if (ImageShape is not { Length: 3 } || ImageShape.Any(d => d < 1 || d > 4096) || ImageShape[2] != 3)
            throw new ArgumentException($"policy.image_shape must be [height, width, 3], got [{string.Join(", ", ImageShape ?? [])}]");
        if (ObservationComponents != null && (ObservationComponents.Length == 0 || ObservationComponents.Any(c => c < 0) || ObservationComponents.Distinct().Count() != ObservationComponents.Length))
            throw new ArgumentException($"policy.observation_components must be distinct indices >= 0, got [{string.Join(", ", ObservationComponents)}]");
        // exp(-k·i) over a chunk of H steps must stay a float32 (|k·H| < 80): ACT's k is 0.01.
        if (!double.IsFinite(TemporalEnsembleCoeff) || Math.Abs(TemporalEnsembleCoeff) * Horizon > 80)
            throw new ArgumentException($"policy.temporal_ensemble_coeff must be finite with |k| · horizon <= 80 (exp(-k·i) overflows float32 beyond), got {TemporalEnsembleCoeff} with horizon {Horizon}");
    }
}
