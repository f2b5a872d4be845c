using System.Text.Json.Serialization;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Nn;
using Mimicry.Tokenizers;

namespace Mimicry.Policies.Tokens;

/// <summary>How actions become tokens.</summary>
public enum TokenizerKind
{
    /// <summary>Uniform bins over the normalized range, one token per value (RT-2, OpenVLA).</summary>
    Bins,
    /// <summary>Per-dimension quantile bins fitted on the training actions (equal mass per bin).</summary>
    Quantile,
    /// <summary>FAST: DCT over the chunk, scale and round, BPE (Pertsch et al. 2025); variable length, ends with an end token.</summary>
    Fast,
}

/// <summary>
/// An autoregressive action transformer: the observation window is a prefix of To embedded frames, then the
/// action chunk (the L = H − To + 1 actions from the newest observation on, as Diffusion Policy executes) as
/// tokens, predicted one at a time with cross-entropy. GPT blocks from <c>Nn/</c> (pre-LN, causal), learned
/// positions, a KV cache when decoding. Decoding is greedy (temperature 0, as RT-2 and OpenVLA) or sampled
/// with a temperature and top-p. Actions are normalized to [−1, 1] by min/max (OpenVLA: q01/q99, then clipped;
/// Push-T's actions are bounded pixels, so min/max loses nothing).
/// </summary>
public sealed record ActionTokensConfig : PolicyConfig
{
    public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bins;
    /// <summary>Bins per dimension (uniform and quantile): RT-2 / OpenVLA use 256.</summary>
    public int Bins { get; init; } = 256;
    /// <summary>Uniform bins' convention: centers (K distinct values) or openvla (its linspace edges, K − 1 values).</summary>
    public BinConvention BinConvention { get; init; } = BinConvention.Centers;
    /// <summary>FAST's DCT coefficient scale γ (10).</summary>
    public double FastScale { get; init; } = 10;
    /// <summary>FAST's BPE vocabulary (1024).</summary>
    public int FastVocab { get; init; } = 1024;
    /// <summary>Training chunks FAST's BPE is fitted on (a seeded sample of the training windows).</summary>
    public int FastFitChunks { get; init; } = 5000;

    /// <summary>
    /// Observation components the actions are taken relative to, one per action dimension (empty: absolute actions).
    /// The chunk is tokenized as a − o[c] with o the newest observation (openpi's <c>DeltaActions</c>, which π0-FAST
    /// tokenizes); Push-T's keypoint observation ends with the agent's position: [18, 19]. The relative values get their
    /// own min/max range, fitted on the training chunks.
    /// </summary>
    public int[] ActionReference { get; init; } = [];
    /// <summary>
    /// σ, in bins, of Gaussian soft targets over the neighbouring bins (ordinal targets, HL-Gauss: Imani and White 2018,
    /// Farebrother et al. 2024): a near miss costs less than a far one. 0: one-hot cross-entropy (RT-2, OpenVLA).
    /// Bins and quantile bins only (FAST's BPE tokens have no order).
    /// </summary>
    public double LabelSigma { get; init; }

    public int EmbedDim { get; init; } = 128;
    public int NLayer { get; init; } = 4;
    public int NHead { get; init; } = 4;
    public double Dropout { get; init; } = 0.1;

    /// <summary>0: greedy (argmax, RT-2 and OpenVLA); > 0: sample from softmax(logits / temperature).</summary>
    [Acting] public double Temperature { get; init; }
    /// <summary>Nucleus sampling (Holtzman et al. 2020): sample among the most likely tokens whose probabilities sum to top_p (1: all).</summary>
    [Acting] public double TopP { get; init; } = 1.0;

    /// <summary>Actions predicted per window: from the newest observation on.</summary>
    [JsonIgnore] public int ChunkLength => Horizon - NObsSteps + 1;

    /// <summary>The observation window and the chunk from its newest frame on.</summary>
    [JsonIgnore] public override IReadOnlyList<InputFeature> Inputs =>
    [
        new(ObservationKey, 0, NObsSteps, ObservationNormalization),
        new(FeatureKeys.Action, NObsSteps - 1, ChunkLength, ActionNormalization),
    ];

    public override void Validate()
    {
        base.Validate();
        if (ActionNormalization != NormalizationMode.MinMax) throw new ArgumentException($"the tokenizers bin actions normalized to [-1, 1]: policy.action_normalization must be min_max, got {ActionNormalization}");
        if (Bins < 2 || Bins > 65536) throw new ArgumentException($"policy.bins ({Bins}) must be in 2..65536");
        if (FastVocab < 2 || FastFitChunks < 1 || !(FastScale > 0) || !double.IsFinite(FastScale)) throw new ArgumentException("policy.fast_vocab >= 2, fast_fit_chunks >= 1 and fast_scale > 0 are required");
        if (ActionReference.Any(c => c < 0) || ActionReference.Distinct().Count() != ActionReference.Length)
            throw new ArgumentException($"policy.action_reference must be distinct observation components >= 0, got [{string.Join(", ", ActionReference)}]");
        if (!(LabelSigma >= 0 && LabelSigma <= 1000)) throw new ArgumentException($"policy.label_sigma ({LabelSigma}) must be in [0, 1000] bins");
        if (LabelSigma > 0 && Tokenizer == TokenizerKind.Fast) throw new ArgumentException("policy.label_sigma needs ordered tokens (bins or quantile); FAST's BPE tokens have no order");
        if (EmbedDim < 1 || NHead < 1) throw new ArgumentException($"policy.embed_dim ({EmbedDim}) and n_head ({NHead}) must be >= 1");
        if (EmbedDim % NHead != 0) throw new ArgumentException($"policy.embed_dim ({EmbedDim}) must be divisible by n_head ({NHead})");
        if (NLayer < 1) throw new ArgumentException($"policy.n_layer ({NLayer}) must be >= 1");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"policy.dropout ({Dropout}) must be in [0, 1)");
        // Logits / T must stay a float32: below T = 1e-3 sampling is greedy decoding in all but name.
        if (!(Temperature == 0 || (Temperature >= 1e-3 && Temperature <= 1e3)))
            throw new ArgumentException($"policy.temperature ({Temperature}) must be 0 (greedy) or in [0.001, 1000]");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"policy.top_p ({TopP}) must be in (0, 1]");
        if (Execution != ActionExecution.RecedingHorizon && Execution != ActionExecution.TemporalEnsemble) throw new ArgumentException("unknown policy.execution");
    }
}
