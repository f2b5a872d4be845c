using Mimicry.Generative;
using Mimicry.Policies.Common;

namespace Mimicry.Policies.Flow;

/// <summary>
/// Flow matching on the Diffusion Policy U-Net (π0's action-expert objective, openpi convention): the same
/// network, windows and conditioning as <see cref="Diffusion.DiffusionConfig"/>, trained to predict the
/// velocity ε - a at x_t = t·ε + (1-t)·a, and sampled with a few Euler steps from t = 1 to 0.
/// </summary>
public sealed record FlowConfig : UnetPolicyConfig
{
    /// <summary>Training times: beta (π0: Beta(1.5, 1)·0.999 + 0.001) or uniform.</summary>
    public FlowTimeSampling TimeSampling { get; init; } = FlowTimeSampling.Beta;
    /// <summary>
    /// The U-Net's step embedding is DP's sinusoid built for integer steps 0..99; flow time t ∈ [0, 1] enters
    /// it as t·time_embedding_scale, so t = 1 lands where DDPM's noisiest step does (100). At scale 1 most
    /// of the embedding's channels would barely move over [0, 1].
    /// </summary>
    public double TimeEmbeddingScale { get; init; } = 100;
    /// <summary>Clip the final sample to ±clip_sample_range (normalized actions).</summary>
    public bool ClipSample { get; init; } = true;
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>ODE solver at inference: euler (π0) or heun (named sampler, as diffusion's, so <c>eval --sampler</c> serves both).</summary>
    [Acting] public OdeSolver Sampler { get; init; } = OdeSolver.Euler;
    /// <summary>Integration steps (π0: 10).</summary>
    [Acting] public int NumInferenceSteps { get; init; } = 10;

    [System.Text.Json.Serialization.JsonIgnore] public override int NetworkPassesPerChunk => WithGuidance(FlowSampling.EvaluationsOf(NumInferenceSteps, Sampler));

    public override void Validate()
    {
        base.Validate();
        if (NumInferenceSteps < 1 || NumInferenceSteps > 1000) throw new ArgumentException($"policy.num_inference_steps ({NumInferenceSteps}) must be in 1..1000");
        if (!double.IsFinite(TimeEmbeddingScale) || TimeEmbeddingScale <= 0) throw new ArgumentException($"policy.time_embedding_scale ({TimeEmbeddingScale}) must be finite and > 0");
        if (!double.IsFinite(ClipSampleRange) || ClipSampleRange <= 0) throw new ArgumentException($"policy.clip_sample_range ({ClipSampleRange}) must be finite and > 0");
    }
}
