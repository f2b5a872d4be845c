namespace Mimicry.Policies.Bet;

/// <summary>
/// Behavior Transformer (Shafiullah et al. 2022, "Behavior Transformers: Cloning k modes with one stone"), as the Diffusion
/// Policy paper runs it as a baseline (diffusion_policy/config/train_bet_lowdim_workspace.yaml @ 5ba07ac,
/// policy/bet_lowdim_policy.py, model/bet/latent_generators/mingpt.py): actions are binned by k-means (24 bins) in the
/// normalized space; a minGPT (4 layers, 4 heads, width 72) over the last To = 3 observations predicts at each position
/// the bin's logits and, for every bin, an offset to add to its centre; trained with a focal loss (γ = 2) on the bin and
/// 1000 × the MSE of the true bin's offset; acting samples a bin from softmax(logits / temperature) and adds its offset.
/// Defaults are DP's: horizon 3 = n_obs_steps 3, one action executed per step.
/// </summary>
public sealed record BetConfig : PolicyConfig
{
    /// <summary>k of the k-means action bins (DP: 24).</summary>
    public int Bins { get; init; } = 24;
    /// <summary>k-means rounds (minGPT's and DP's: 50).</summary>
    public int KMeansIterations { get; init; } = 50;
    public int EmbedDim { get; init; } = 72;
    public int NLayer { get; init; } = 4;
    public int NHead { get; init; } = 4;
    public double Dropout { get; init; } = 0.1;
    /// <summary>The offset MSE's weight (DP: 1000, "actions are very small" once normalized and binned).</summary>
    public double OffsetLossScale { get; init; } = 1000;
    /// <summary>γ of the focal loss on the bin (0: cross-entropy).</summary>
    public double FocalGamma { get; init; } = 2;
    /// <summary>Softmax temperature of the bin draw (DP: 1, multinomial; 0: the most likely bin).</summary>
    [Acting] public double Temperature { get; init; } = 1;

    public BetConfig()
    {
        NObsSteps = 3;
        Horizon = 3;
        NActionSteps = 1;
    }

    public override void Validate()
    {
        base.Validate();
        if (Bins < 1 || Bins > 4096) throw new ArgumentException($"policy.bins must be in 1..4096, got {Bins}");
        if (KMeansIterations < 1) throw new ArgumentException($"policy.k_means_iterations must be >= 1, got {KMeansIterations}");
        if (EmbedDim < 1 || NHead < 1 || EmbedDim % NHead != 0) throw new ArgumentException($"policy.embed_dim ({EmbedDim}) must be a positive multiple of policy.n_head ({NHead})");
        if (NLayer < 1) throw new ArgumentException($"policy.n_layer must be >= 1, got {NLayer}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"policy.dropout must be in [0, 1), got {Dropout}");
        if (!(OffsetLossScale >= 0) || !double.IsFinite(OffsetLossScale)) throw new ArgumentException($"policy.offset_loss_scale must be finite and >= 0, got {OffsetLossScale}");
        if (!(FocalGamma >= 0) || !double.IsFinite(FocalGamma)) throw new ArgumentException($"policy.focal_gamma must be finite and >= 0, got {FocalGamma}");
        if (!(Temperature >= 0) || !double.IsFinite(Temperature)) throw new ArgumentException($"policy.temperature must be finite and >= 0, got {Temperature}");
    }
}
