using System.Text.Json.Serialization;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Nn;

namespace Mimicry.Policies.Act;

/// <summary>
/// ACT, Action Chunking with Transformers (Zhao et al. 2023), for low-dimensional observations, as LeRobot's
/// ACTConfig (lerobot/policies/act/configuration_act.py): defaults are LeRobot's (chunk 100, D 512, 8 heads,
/// FF 3200, 4 encoder layers, 1 decoder layer, 4 CVAE-encoder layers, latent 32, dropout 0.1, KL weight 10).
/// One decoder layer reproduces the original code, which builds 7 but uses only the first one's output
/// (tonyzhaozh/act detr/models/detr_vae.py, <c>transformer(...)[0]</c>; ../shared/notes/specs/act.md §6).
/// The observation is split into the robot's own state (its last <see cref="RobotStateDim"/> values; for
/// Push-T keypoints the agent position) and the environment state (the rest: the block's keypoints), one
/// encoder token each, as LeRobot's observation.state and observation.environment_state. Unlike LeRobot, the
/// environment state is normalized like every other input: its keypoints are pixels (0..512), and LeRobot's
/// normalization mapping has no entry for it, so it reaches the network raw.
/// </summary>
public sealed record ActConfig : PolicyConfig
{
    public ActConfig()
    {
        NObsSteps = 1;
        Horizon = 100;
        NActionSteps = 100;
        ObservationNormalization = NormalizationMode.MeanStd;
        ActionNormalization = NormalizationMode.MeanStd;
    }

    /// <summary>How many of the observation's last values are the robot's own state (Push-T keypoints: 2, the agent).</summary>
    public int RobotStateDim { get; init; } = 2;
    public int DimModel { get; init; } = 512;
    public int NHeads { get; init; } = 8;
    public int DimFeedforward { get; init; } = 3200;
    public FeedForwardActivation FeedforwardActivation { get; init; } = FeedForwardActivation.Relu;
    public int NEncoderLayers { get; init; } = 4;
    /// <summary>1, as LeRobot: the original's 7 layers train only the first (its bug, kept as the default).</summary>
    public int NDecoderLayers { get; init; } = 1;
    public bool PreNorm { get; init; }
    public bool UseVae { get; init; } = true;
    public int LatentDim { get; init; } = 32;
    public int NVaeEncoderLayers { get; init; } = 4;
    public double Dropout { get; init; } = 0.1;
    /// <summary>β of loss = L1 + β·KL (ACT: 10).</summary>
    public double KlWeight { get; init; } = 10.0;
    /// <summary>
    /// The latent when acting: zero (ACT: the prior's mean) or sampled from the prior N(0, I), to see whether the
    /// latent chooses a mode.
    /// </summary>
    [Acting] public LatentAtInference Latent { get; init; } = LatentAtInference.Zero;
    /// <summary>With cameras (policy.image_keys): the ResNet-18 backbone's stage widths. LeRobot loads ImageNet weights with frozen
    /// BatchNorm; Mimicry trains it from scratch with GroupNorm (channels/16), as Diffusion Policy's encoder.</summary>
    public int[] BackboneWidths { get; init; } = [64, 128, 256, 512];

    /// <summary>ACT trains on windows starting at every frame, the chunk padded past the episode's end (LeRobot).</summary>
    [JsonIgnore] public override WindowSpec TrainingWindow => new(Inputs, PadBefore: 0, PadAfter: Horizon - 1);

    public override void Validate()
    {
        base.Validate();
        if (NObsSteps != 1) throw new ArgumentException($"ACT observes one frame (n_obs_steps 1), got {NObsSteps}");
        if (DimModel < 1 || NHeads < 1 || DimFeedforward < 1) throw new ArgumentException($"policy.dim_model ({DimModel}), n_heads ({NHeads}) and dim_feedforward ({DimFeedforward}) must be >= 1");
        if (DimModel % NHeads != 0) throw new ArgumentException($"policy.dim_model ({DimModel}) must be divisible by n_heads ({NHeads})");
        if (RobotStateDim < 1) throw new ArgumentException($"policy.robot_state_dim ({RobotStateDim}) must be >= 1");
        if (NEncoderLayers < 1 || NDecoderLayers < 1 || (UseVae && NVaeEncoderLayers < 1)) throw new ArgumentException("ACT needs at least one encoder, decoder and CVAE-encoder layer");
        if (LatentDim < 1) throw new ArgumentException($"policy.latent_dim ({LatentDim}) must be >= 1");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"policy.dropout ({Dropout}) must be in [0, 1)");
        if (!(KlWeight >= 0) || !double.IsFinite(KlWeight)) throw new ArgumentException($"policy.kl_weight ({KlWeight}) must be finite and >= 0");
        if (ImageKeys.Length > 0 && (BackboneWidths is not { Length: 4 } || BackboneWidths.Any(w => w < 16 || w % 16 != 0)))
            throw new ArgumentException($"policy.backbone_widths must be 4 multiples of 16, got [{string.Join(",", BackboneWidths ?? [])}]");
    }
}

/// <summary>The CVAE latent z when acting.</summary>
public enum LatentAtInference
{
    /// <summary>z = 0, the prior's mean (ACT, LeRobot).</summary>
    Zero,
    /// <summary>z ~ N(0, I), one draw per chunk.</summary>
    Prior,
}
