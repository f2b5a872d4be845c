using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies;

/// <summary>
/// What every chunking policy shares: its config, sizes, normalizers and device, the acting path
/// raw observation window → normalize → predict a normalized action window (B, H, Da) → unnormalize →
/// the actions from the last observed time on (DP's oa_step_convention), and the actors that execute
/// those chunks (receding horizon or temporal ensembling, chosen by the acting-only config fields).
/// </summary>
public abstract class PolicyBase<TConfig> : IChunkingPolicy where TConfig : PolicyConfig
{
    protected TConfig Cfg { get; }
    /// <summary>Components of the low-dimensional observation the network reads (policy.observation_components, or all).</summary>
    protected int ObsDim { get; }
    /// <summary>Components of the low-dimensional observation the environment gives.</summary>
    protected int ObservedDim { get; }
    protected int ActionDim { get; }
    /// <summary>Whether this policy reads cameras and a part of its observation (policy.image_keys, policy.observation_components).</summary>
    protected virtual bool ReadsImages => false;

    public PolicyConfig Config => Cfg;
    public PolicyNormalizers Normalizers { get; }
    public Device Device { get; }
    public abstract nn.Module Network { get; }

    protected PolicyBase(TConfig config, PolicyNormalizers normalizers, Device? device)
    {
        config.Validate();
        if ((config.ImageKeys.Length > 0 || config.ObservationComponents != null) && !ReadsImages)
            throw new ArgumentException($"policy {config.Name} reads neither cameras nor a part of its observation (policy.image_keys, policy.observation_components): diffusion and flow do");
        Cfg = config;
        ObservedDim = normalizers.Dim(config.ObservationKey);
        if (config.ObservationComponents is { } components && components.Max() >= ObservedDim)
            throw new ArgumentException($"policy.observation_components [{string.Join(", ", components)}]: '{config.ObservationKey}' has {ObservedDim} components");
        ObsDim = config.ObservationComponents?.Length ?? ObservedDim;
        ActionDim = normalizers.Dim(FeatureKeys.Action);
        Normalizers = normalizers;
        Device = device ?? CPU;
    }

    public abstract nn.Module CreateNetwork();

    /// <inheritdoc cref="IPolicy.ForwardFlopsPerSample"/>
    public virtual double? ForwardFlopsPerSample(bool training) => null;
    /// <summary>How the optimizer treats the parameters (default: one group, decayed, as Diffusion Policy). Declared here so
    /// that a policy's override is what <see cref="IPolicy.ParameterGroups"/> calls (a default interface method is not virtual).</summary>
    public virtual IReadOnlyList<ParameterGroup> ParameterGroups() => [new("all", Network.parameters().ToList(), WeightDecay: true)];
    /// <inheritdoc cref="IPolicy.ValidationMetricNames"/>
    public virtual IReadOnlyList<string> ValidationMetricNames => [];
    /// <inheritdoc cref="IPolicy.ValidationMetrics"/>
    public virtual IReadOnlyDictionary<string, double> ValidationMetrics(Batch batch, Generator generator) => new Dictionary<string, double>();
    public abstract LossOutput ComputeLoss(Batch batch, Generator generator);

    /// <summary>The normalized action window (B, H, Da) for normalized observations (B, To, Do).</summary>
    protected abstract Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator);

    /// <summary>The same with the cameras, camera key → (B, To, C, H, W) 0..255; only a policy that <see cref="ReadsImages"/> gets any.</summary>
    protected virtual Tensor PredictNormalizedWindow(Tensor normalizedObservations, IReadOnlyDictionary<string, Tensor> images, Generator? generator) =>
        PredictNormalizedWindow(normalizedObservations, generator);

    /// <summary>The observation window's frames [0, To) and the components the policy reads (B, To, Do).</summary>
    protected Tensor ObservedWindow(Tensor normalizedObservations)
    {
        var window = normalizedObservations[.., ..Cfg.NObsSteps];
        if (Cfg.ObservationComponents is not { } components) return window;
        using var index = torch.tensor(components.Select(c => (long)c).ToArray(), device: window.device);
        return window.index_select(2, index);
    }

    /// <summary>Flattens the observation window into the global conditioning vector (B, To x Do).</summary>
    protected Tensor FlattenWindow(Tensor normalizedObservations) => ObservedWindow(normalizedObservations).reshape(normalizedObservations.shape[0], -1);

    /// <summary>Actions predicted from the newest observation on: H - To + 1 of them.</summary>
    public int ChunkLength => Cfg.Horizon - Cfg.NObsSteps + 1;

    /// <summary>
    /// The raw action chunk from raw observations (B, To, Do): (B, H - To + 1, Da), row 0 the action for
    /// the time of the last observation.
    /// </summary>
    public Tensor PredictChunk(Tensor observations, Generator? generator) =>
        PredictChunk(new Dictionary<string, Tensor> { [Cfg.ObservationKey] = observations }, generator);

    /// <summary>
    /// The raw action chunk from a raw observation window: the low-dimensional observation (B, To, Do) and each camera
    /// (B, To, H·W·C) as the environment gives it (HWC, 0..255) or (B, To, C, H, W).
    /// </summary>
    public Tensor PredictChunk(IReadOnlyDictionary<string, Tensor> window, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Network.eval();
        try
        {
            var obs = Normalizers[Cfg.ObservationKey].Normalize(window[Cfg.ObservationKey].to(Device));
            var images = Cfg.ImageKeys.ToDictionary(k => k, k => window.TryGetValue(k, out var img) ? AsImages(img.to(Device))
                : throw new ArgumentException($"the observation window has no camera '{k}' (it has {string.Join(", ", window.Keys)})"));
            var normalized = images.Count == 0 ? PredictNormalizedWindow(obs, generator) : PredictNormalizedWindow(obs, images, generator);
            var actions = Normalizers[FeatureKeys.Action].Unnormalize(normalized);
            return actions[.., (Cfg.NObsSteps - 1)..].cpu().MoveToOuterDisposeScope();
        }
        finally { Network.train(); }
    }

    /// <summary>Camera frames as (B, To, C, H, W): the actor's flat HWC rows are reshaped and moved channel-first.</summary>
    private Tensor AsImages(Tensor t)
    {
        int h = Cfg.ImageShape[0], w = Cfg.ImageShape[1], c = Cfg.ImageShape[2];
        if (t.dim() == 5) return t;
        if (t.dim() != 3 || t.shape[2] != (long)h * w * c)
            throw new ArgumentException($"a camera frame has shape [{string.Join(", ", t.shape)}], expected (B, To, {h}·{w}·{c}) (policy.image_shape)");
        return t.reshape(t.shape[0], t.shape[1], h, w, c).permute(0, 1, 4, 2, 3);
    }

    public virtual IActor CreateActor(int slots, Generator? generator = null)
    {
        var dims = new Dictionary<string, int> { [Cfg.ObservationKey] = ObservedDim };
        foreach (var key in Cfg.ImageKeys) dims[key] = Cfg.ImageShape[0] * Cfg.ImageShape[1] * Cfg.ImageShape[2];
        ChunkPredictor predict = (window, g) => PredictChunk(window, g);
        return Cfg.Execution switch
        {
            ActionExecution.RecedingHorizon => new RecedingHorizonActor(slots, Cfg.NObsSteps, dims, ActionDim, Cfg.NActionSteps, predict, generator),
            ActionExecution.TemporalEnsemble => new TemporalEnsembleActor(slots, Cfg.NObsSteps, dims, ActionDim, ChunkLength, Cfg.TemporalEnsembleCoeff, predict, generator),
            _ => throw new ArgumentOutOfRangeException(nameof(Cfg.Execution), Cfg.Execution, "unknown execution"),
        };
    }

    public virtual void Dispose() => Network.Dispose();
}
