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
    /// <summary>C: actions per code. 1 is BeT's (a bin per action); C &gt; 1 bins whole chunks a_t .. a_t+C−1 by k-means in C·Da
    /// dimensions and predicts a chunk's code and offset at every position, as VQ-BeT codes action chunks (Lee et al. 2024;
    /// LeRobot policies/vqbet action_chunk_size) with k-means in place of residual VQ. Then horizon = n_obs_steps − 1 + C and
    /// n_action_steps of the newest position's chunk are executed.</summary>
    public int ChunkSize { get; init; } = 1;
    /// <summary>Softmax temperature of the bin draw (DP: 1, multinomial; 0: the most likely bin).</summary>
    [Acting] public double Temperature { get; init; } = 1;

    public BetConfig()
    {
        NObsSteps = 3;
        Horizon = 3;
        NActionSteps = 1;
    }

    /// <summary>Positions of the GPT's sequence: DP pads the observations up to the horizon (C = 1); with chunks, one per observation.</summary>
    public int SequenceLength => ChunkSize == 1 ? Math.Max(Horizon, NObsSteps) : NObsSteps;

    public override void Validate()
    {
        base.Validate();
        if (ChunkSize < 1) throw new ArgumentException($"policy.chunk_size must be >= 1, got {ChunkSize}");
        if (ChunkSize > 1 && Horizon != NObsSteps - 1 + ChunkSize)
            throw new ArgumentException($"with policy.chunk_size {ChunkSize} the horizon must be n_obs_steps - 1 + chunk_size = {NObsSteps - 1 + ChunkSize}, got {Horizon}");
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
