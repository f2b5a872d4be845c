using Mimicry.Generative;
using Mimicry.Policies.Common;

namespace Mimicry.Policies.Diffusion;

/// <summary>
/// Diffusion Policy (Chi et al. 2023), CNN variant with observations as global conditioning.
/// Defaults are the paper's low-dim Push-T configuration
/// (diffusion_policy/config/task/pusht_lowdim.yaml + train_diffusion_unet_lowdim_workspace.yaml):
/// To = 2, H = 16, Ta = 8, keypoint observations, U-Net [256, 512, 1024], kernel 5, 8 groups, FiLM
/// scale and bias, 100 DDPM steps with the squared-cosine schedule, epsilon prediction, clipping to [-1, 1].
/// </summary>
public sealed record DiffusionConfig : UnetPolicyConfig
{
    public int NumTrainTimesteps { get; init; } = 100;
    public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.SquaredCosCapV2;
    public double BetaStart { get; init; } = 1e-4;
    public double BetaEnd { get; init; } = 0.02;
    public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;
    public bool ClipSample { get; init; } = true;
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>Sampler at inference: ddpm (the paper's, 100 steps), ddim (any number of steps) or ddim_clipped.</summary>
    [Acting] public SamplerKind Sampler { get; init; } = SamplerKind.Ddpm;
    [Acting] public int NumInferenceSteps { get; init; } = 100;
    /// <summary>Which training steps the sampler visits: leading (DP, diffusers' default) or trailing (starts at the noisiest).</summary>
    [Acting] public TimestepSpacing TimestepSpacing { get; init; } = TimestepSpacing.Leading;
    /// <summary>DDIM's eta (0: deterministic).</summary>
    [Acting] public double DdimEta { get; init; } = 0.0;

    [System.Text.Json.Serialization.JsonIgnore] public override int NetworkPassesPerChunk => WithGuidance(NumInferenceSteps);

    public override void Validate()
    {
        base.Validate();
        if (NumTrainTimesteps < 1 || NumTrainTimesteps > 10_000) throw new ArgumentException($"policy.num_train_timesteps ({NumTrainTimesteps}) must be in 1..10000");
        if (NumInferenceSteps < 1 || NumInferenceSteps > NumTrainTimesteps)
            throw new ArgumentException($"policy.num_inference_steps ({NumInferenceSteps}) must be in 1..num_train_timesteps ({NumTrainTimesteps})");
        if (!double.IsFinite(DdimEta) || DdimEta < 0) throw new ArgumentException($"policy.ddim_eta ({DdimEta}) must be finite and >= 0");
        // The linear schedules interpolate β from beta_start to beta_end: both must be probabilities, in order.
        if (!(BetaStart > 0 && BetaStart < 1) || !(BetaEnd > 0 && BetaEnd < 1) || BetaStart > BetaEnd)
            throw new ArgumentException($"policy.beta_start ({BetaStart}) and beta_end ({BetaEnd}) must lie in (0, 1) with beta_start <= beta_end");
        if (!(ClipSampleRange > 0) || !double.IsFinite(ClipSampleRange))
            throw new ArgumentException($"policy.clip_sample_range ({ClipSampleRange}) must be finite and > 0");
    }
}
