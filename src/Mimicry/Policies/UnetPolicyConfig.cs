namespace Mimicry.Policies;

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

    public override void Validate()
    {
        base.Validate();
        if (DownDims.Length == 0 || DownDims.Any(d => d <= 0 || d % NGroups != 0))
            throw new ArgumentException($"down_dims [{string.Join(",", DownDims)}] must be positive multiples of n_groups ({NGroups})");
        int factor = 1 << (DownDims.Length - 1);
        if (Horizon % factor != 0) throw new ArgumentException($"horizon ({Horizon}) must be divisible by 2^(levels-1) = {factor} for the U-Net");
        if (KernelSize % 2 == 0) throw new ArgumentException($"kernel_size ({KernelSize}) must be odd");
        if (DiffusionStepEmbedDim < 4 || DiffusionStepEmbedDim % 2 != 0) throw new ArgumentException($"diffusion_step_embed_dim ({DiffusionStepEmbedDim}) must be even and >= 4");
    }
}
