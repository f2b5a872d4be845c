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
    protected int ObsDim { get; }
    protected int ActionDim { get; }

    public PolicyConfig Config => Cfg;
    public PolicyNormalizers Normalizers { get; }
    public Device Device { get; }
    public abstract nn.Module Network { get; }

    protected PolicyBase(TConfig config, PolicyNormalizers normalizers, Device? device)
    {
        config.Validate();
        Cfg = config;
        ObsDim = normalizers.Dim(config.ObservationKey);
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
    public abstract LossOutput ComputeLoss(Batch batch, Generator generator);

    /// <summary>The normalized action window (B, H, Da) for normalized observations (B, To, Do).</summary>
    protected abstract Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator);

    /// <summary>Flattens the observation window into the global conditioning vector (B, To x Do).</summary>
    protected Tensor FlattenWindow(Tensor normalizedObservations) =>
        normalizedObservations[.., ..Cfg.NObsSteps].reshape(normalizedObservations.shape[0], -1);

    /// <summary>Actions predicted from the newest observation on: H - To + 1 of them.</summary>
    public int ChunkLength => Cfg.Horizon - Cfg.NObsSteps + 1;

    /// <summary>
    /// The raw action chunk from raw observations (B, To, Do): (B, H - To + 1, Da), row 0 the action for
    /// the time of the last observation.
    /// </summary>
    public Tensor PredictChunk(Tensor observations, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Network.eval();
        try
        {
            var obs = Normalizers[Cfg.ObservationKey].Normalize(observations.to(Device));
            var actions = Normalizers[FeatureKeys.Action].Unnormalize(PredictNormalizedWindow(obs, generator));
            return actions[.., (Cfg.NObsSteps - 1)..].cpu().MoveToOuterDisposeScope();
        }
        finally { Network.train(); }
    }

    public virtual IActor CreateActor(int slots, Generator? generator = null)
    {
        var dims = new Dictionary<string, int> { [Cfg.ObservationKey] = ObsDim };
        ChunkPredictor predict = (window, g) => PredictChunk(window[Cfg.ObservationKey], g);
        return Cfg.Execution switch
        {
            ActionExecution.RecedingHorizon => new RecedingHorizonActor(slots, Cfg.NObsSteps, dims, ActionDim, Cfg.NActionSteps, predict, generator),
            ActionExecution.TemporalEnsemble => new TemporalEnsembleActor(slots, Cfg.NObsSteps, dims, ActionDim, ChunkLength, Cfg.TemporalEnsembleCoeff, predict, generator),
            _ => throw new ArgumentOutOfRangeException(nameof(Cfg.Execution), Cfg.Execution, "unknown execution"),
        };
    }

    public virtual void Dispose() => Network.Dispose();
}
