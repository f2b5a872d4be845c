using System.Text.Json.Serialization;
using Mimicry.Data;
using Mimicry.Data.Sampling;

namespace Mimicry.Policies.Common;

/// <summary>
/// The fields every policy built on the Diffusion Policy U-Net (<see cref="Nn.ConditionalUnet1d"/>) shares;
/// diffusion and flow matching differ only in their objective and sampler. Defaults are DP's low-dim Push-T.
/// </summary>
public abstract record UnetPolicyConfig : PolicyConfig
{
    /// <summary>U-Net channels per level.</summary>
    public int[] DownDims { get; init; } = [256, 512, 1024];
    public int KernelSize { get; init; } = 5;
    public int NGroups { get; init; } = 8;
    /// <summary>Size of the sinusoidal time (diffusion step) embedding.</summary>
    public int DiffusionStepEmbedDim { get; init; } = 256;
    /// <summary>FiLM predicts a scale as well as a bias.</summary>
    public bool CondPredictScale { get; init; } = true;
    /// <summary>Every camera's encoder (<c>policy.image_keys</c>): ResNet widths, crop, keypoints, features (DP's by default).</summary>
    public Nn.Vision.VisionConfig Vision { get; init; } = new();

    /// <summary>
    /// Classifier-free guidance: a dataset feature the policy is also conditioned on (e.g. the fork's
    /// <c>demo.side</c>, or <c>return_to_go</c>), read at the frame of the newest observation, embedded and
    /// dropped for the learned null ∅ with probability <see cref="ConditionDropout"/> in training. Null: none.
    /// </summary>
    public string? Condition { get; init; }
    /// <summary>p_uncond of Ho &amp; Salimans (2022): how often training drops the condition (their 0.1–0.2).</summary>
    public double ConditionDropout { get; init; } = 0.1;
    /// <summary>Size of the condition's embedding, concatenated to the FiLM conditioning.</summary>
    public int ConditionEmbedDim { get; init; } = 32;
    public NormalizationMode ConditionNormalization { get; init; } = NormalizationMode.MinMax;
    /// <summary>Guidance scale s: ε̃ = ε(∅) + s·(ε(c) − ε(∅)); 1 = conditional, 0 = unconditional (Ho's w = s − 1).</summary>
    [Acting] public double GuidanceScale { get; init; } = 1.0;
    /// <summary>
    /// Guidance only on an interval (lo, hi] of noise levels (Kynkäänniemi et al. 2024), 1 = pure noise, 0 = clean:
    /// the network's time input over its value at pure noise (diffusion t / num_train_timesteps, flow t). Outside
    /// it the conditional model acts alone (s = 1, one pass of B). Null: every step. Steering a mode happens at
    /// the noisy end, so e.g. [0.7, 1] keeps most of the effect for about a third of guidance's extra cost.
    /// </summary>
    [Acting] public double[]? GuidanceInterval { get; init; }
    /// <summary>The condition asked for when acting, in the feature's units (e.g. [-1]: the left of the fork).</summary>
    [Acting] public double[]? ConditionValue { get; init; }

    /// <summary>A sampler's network passes, doubled where guidance runs the conditional and the null condition
    /// (s ∉ {0, 1}: one batch of 2B counts as two passes).</summary>
    protected int WithGuidance(int passes) => Condition != null && GuidanceScale != 0 && GuidanceScale != 1 ? 2 * passes : passes;

    [JsonIgnore] public override IReadOnlyList<InputFeature> Inputs => Condition == null ? base.Inputs
        : [.. base.Inputs, new InputFeature(Condition, NObsSteps - 1, 1, ConditionNormalization)];

    public override void Validate()
    {
        base.Validate();
        if (NGroups < 1) throw new ArgumentException($"policy.n_groups ({NGroups}) must be >= 1");
        if (DownDims.Length == 0 || DownDims.Any(d => d <= 0 || d % NGroups != 0))
            throw new ArgumentException($"down_dims [{string.Join(",", DownDims)}] must be positive multiples of n_groups ({NGroups})");
        int factor = 1 << (DownDims.Length - 1);
        if (Horizon % factor != 0) throw new ArgumentException($"horizon ({Horizon}) must be divisible by 2^(levels-1) = {factor} for the U-Net");
        if (KernelSize % 2 == 0) throw new ArgumentException($"kernel_size ({KernelSize}) must be odd");
        if (ImageKeys.Length > 0) (Vision ?? throw new ArgumentException("policy.vision must be given with policy.image_keys")).Validate(ImageShape);
        if (Condition != null)
        {
            if (FeatureKeys.IsObservation(Condition) || Condition == FeatureKeys.Action || Condition == ObservationKey)
                throw new ArgumentException($"policy.condition ({Condition}) must be a feature that is not observed or acted, e.g. demo.side or return_to_go");
            if (!(ConditionDropout > 0 && ConditionDropout < 1)) throw new ArgumentException($"policy.condition_dropout ({ConditionDropout}) must be in (0, 1): guidance needs both the conditional and the unconditional model");
            if (ConditionEmbedDim < 1) throw new ArgumentException($"policy.condition_embed_dim ({ConditionEmbedDim}) must be >= 1");
        }
        // ε(∅) + s·(ε(c) − ε(∅)) in float32: beyond |s| = 1000 the guided prediction is overflow, not guidance.
        if (!double.IsFinite(GuidanceScale) || Math.Abs(GuidanceScale) > 1000) throw new ArgumentException($"policy.guidance_scale must be within ±1000, got {GuidanceScale}");
        if (Condition == null && (GuidanceScale != 1 || ConditionValue != null))
            throw new ArgumentException("policy.guidance_scale and policy.condition_value need a policy trained with policy.condition");
        if (GuidanceInterval != null && (GuidanceInterval.Length != 2 || !(GuidanceInterval[0] >= 0 && GuidanceInterval[0] < GuidanceInterval[1] && GuidanceInterval[1] <= 1)))
            throw new ArgumentException($"policy.guidance_interval must be [lo, hi] with 0 <= lo < hi <= 1 (noise levels, 1 = pure noise), got [{string.Join(", ", GuidanceInterval)}]");
        if (GuidanceInterval != null && Condition == null) throw new ArgumentException("policy.guidance_interval needs a policy trained with policy.condition");
        if (ConditionValue != null && ConditionValue.Any(v => !double.IsFinite(v) || Math.Abs(v) > 1e6)) throw new ArgumentException("policy.condition_value must be finite and within ±1e6");
        if (DiffusionStepEmbedDim < 4 || DiffusionStepEmbedDim % 2 != 0) throw new ArgumentException($"diffusion_step_embed_dim ({DiffusionStepEmbedDim}) must be even and >= 4");
    }
}
