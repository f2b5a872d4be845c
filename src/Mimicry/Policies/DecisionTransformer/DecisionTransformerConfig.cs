using System.Text.Json.Serialization;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Nn;

namespace Mimicry.Policies.DecisionTransformer;

/// <summary>How the return token moves during an episode (kzl/decision-transformer evaluate_episode_rtg).</summary>
public enum ReturnMode
{
    /// <summary>R̂_{t+1} = R̂_t − r_t: the return still to collect (DT's "normal" mode; pair with <c>return_to_go</c>).</summary>
    Decrement,
    /// <summary>R̂_t = target throughout (DT's "delayed" mode; pair with an outcome such as <c>episode_max_reward</c>).</summary>
    Constant,
}

/// <summary>What the position embedding of a (return, state, action) triple reads.</summary>
public enum DtPositions
{
    /// <summary>The frame's index in its episode (the reference's learned timestep table of max_episode_length rows).</summary>
    Timestep,
    /// <summary>The triple's place in the K-step context, oldest 0, newest K − 1 (K rows): every row is trained at every window,
    /// so a rollout longer than the demonstrations meets no untrained row (../shared/notes/paradigms-review.md §2, risk 3).</summary>
    Context,
}

/// <summary>
/// Decision Transformer (Chen et al. 2021), kzl/decision-transformer's gym configuration: context K = 20
/// timesteps (60 tokens), width 128, 3 layers, 1 head, ReLU MLP of 4·128, dropout 0.1, tanh action head,
/// learned timestep embedding. The return token reads <see cref="ReturnFeature"/>; for Push-T the default is
/// the episode's best coverage (<c>episode_max_reward</c>) held constant, because success ends an episode
/// and a summed reward would rank a fast success below hovering near it (../shared/notes/specs/decision-transformer.md §8).
/// </summary>
public sealed record DecisionTransformerConfig : PolicyConfig
{
    public DecisionTransformerConfig()
    {
        NObsSteps = 20;
        Horizon = 20;
        NActionSteps = 1;
    }

    public int EmbedDim { get; init; } = 128;
    public int NLayer { get; init; } = 3;
    public int NHead { get; init; } = 1;
    public double Dropout { get; init; } = 0.1;
    public FeedForwardActivation Activation { get; init; } = FeedForwardActivation.Relu;
    /// <summary>Absolute timesteps (the reference) or places within the context.</summary>
    public DtPositions Positions { get; init; } = DtPositions.Timestep;
    /// <summary>C: actions predicted at every state token, a_t .. a_t+C−1 (1: the reference). With C &gt; 1 the actor executes
    /// n_action_steps of the newest token's chunk before it predicts again (action chunking, Zhao et al. 2023; issue 30).</summary>
    public int ChunkSize { get; init; } = 1;
    /// <summary>Rows of the timestep embedding; later frames use the last row (DT clips; Push-T episodes last 300 steps).</summary>
    public int MaxEpisodeLength { get; init; } = 1000;
    /// <summary>The dataset feature the return token is trained on: episode_max_reward or return_to_go.</summary>
    public string ReturnFeature { get; init; } = FeatureKeys.EpisodeMaxReward;
    /// <summary>Returns are divided by this before embedding (DT: 1000 for MuJoCo; 1 for rewards in [0, 1]).</summary>
    public double ReturnScale { get; init; } = 1.0;

    /// <summary>The return asked for, in the return feature's units (Push-T: the coverage to reach, 1.0 = perfect).</summary>
    [Acting] public double TargetReturn { get; init; } = 1.0;
    [Acting] public ReturnMode ReturnMode { get; init; } = ReturnMode.Constant;

    /// <summary>K: the timesteps of history the transformer sees.</summary>
    [JsonIgnore] public int Context => Horizon;

    /// <summary>Windows of K frames of observation, action, return and frame index; the ones at an episode's start left-padded.</summary>
    [JsonIgnore] public override IReadOnlyList<InputFeature> Inputs =>
    [
        new(ObservationKey, 0, Context, ObservationNormalization),
        new(FeatureKeys.Action, 0, Context + ChunkSize - 1, ActionNormalization), // the context's actions, then the last token's chunk
        new(ReturnFeature, 0, Context, NormalizationMode.Identity),
        new(FeatureKeys.FrameIndex, 0, Context, NormalizationMode.Identity),
    ];

    /// <summary>A window's last state is every frame (DT samples a start uniformly and left-pads what precedes the episode); a chunk
    /// may run past the episode's end (padded, not trained on).</summary>
    [JsonIgnore] public override WindowSpec TrainingWindow => new(Inputs, PadBefore: Context - 1, PadAfter: ChunkSize - 1);

    /// <summary>The timestep embedding has max_episode_length rows: a longer episode would share its last row (DT clips silently).</summary>
    public override void CheckData(EpisodeDataset data, string source)
    {
        int longest = Enumerable.Range(0, data.Episodes).Select(data.EpisodeLength).DefaultIfEmpty(0).Max();
        if (Positions == DtPositions.Timestep && longest > MaxEpisodeLength)
            throw new ArgumentException($"policy.max_episode_length ({MaxEpisodeLength}) is shorter than the longest episode of {source} ({longest} frames): raise it to at least {longest}");
    }

    /// <summary>The context and the chunk are checked in <see cref="Validate"/>: n_action_steps counts from the chunk, not the context.</summary>
    protected override void ValidateWindow()
    {
        if (NObsSteps < 1) throw new ArgumentException($"policy.n_obs_steps (the context K) must be >= 1, got {NObsSteps}");
    }

    public override void Validate()
    {
        base.Validate();
        if (NObsSteps != Horizon) throw new ArgumentException($"the Decision Transformer's context is one length: n_obs_steps ({NObsSteps}) must equal horizon ({Horizon})");
        if (ChunkSize < 1) throw new ArgumentException($"policy.chunk_size must be >= 1, got {ChunkSize}");
        if (NActionSteps < 1 || NActionSteps > ChunkSize) throw new ArgumentException($"policy.n_action_steps ({NActionSteps}) must be between 1 and policy.chunk_size ({ChunkSize})");
        if (EmbedDim < 1 || NHead < 1) throw new ArgumentException($"policy.embed_dim ({EmbedDim}) and n_head ({NHead}) must be >= 1");
        if (EmbedDim % NHead != 0) throw new ArgumentException($"policy.embed_dim ({EmbedDim}) must be divisible by n_head ({NHead})");
        if (NLayer < 1) throw new ArgumentException($"policy.n_layer ({NLayer}) must be >= 1");
        if (MaxEpisodeLength < 1) throw new ArgumentException($"policy.max_episode_length ({MaxEpisodeLength}) must be >= 1");
        if (!(ReturnScale > 0) || !double.IsFinite(ReturnScale)) throw new ArgumentException($"policy.return_scale ({ReturnScale}) must be finite and > 0");
        // The return token is a float32 input; beyond ±1e6 (in return_scale units) the network sees overflow, not a return.
        if (!double.IsFinite(TargetReturn) || Math.Abs(TargetReturn / ReturnScale) > 1e6)
            throw new ArgumentException($"policy.target_return must be finite and within ±1e6 · return_scale, got {TargetReturn}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"policy.dropout ({Dropout}) must be in [0, 1)");
        if (Execution != ActionExecution.RecedingHorizon) throw new ArgumentException("the Decision Transformer executes n_action_steps of each chunk from its history; policy.execution=temporal_ensemble does not apply");
    }
}
