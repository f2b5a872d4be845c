using Mimicry.Data;
using Mimicry.Data.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies;

/// <summary>
/// What every policy shares: its config, sizes, normalizers and device, and the acting path
/// raw observations → normalize → predict a normalized action window (B, H, Da) → unnormalize →
/// the Ta executed actions starting at the last observed time (DP's oa_step_convention).
/// </summary>
public abstract class PolicyBase<TConfig> : IPolicy where TConfig : PolicyConfig
{
    protected TConfig Cfg { get; }
    protected int ObsDim { get; }
    protected int ActionDim { get; }

    public PolicyConfig Config => Cfg;
    public PolicyNormalizers Normalizers { get; }
    public Device Device { get; }
    public abstract nn.Module Network { get; }

    protected PolicyBase(TConfig config, int obsDim, int actionDim, PolicyNormalizers normalizers, Device? device)
    {
        config.Validate();
        Cfg = config;
        ObsDim = obsDim;
        ActionDim = actionDim;
        Normalizers = normalizers;
        Device = device ?? CPU;
    }

    public abstract nn.Module CreateNetwork();
    public abstract Tensor ComputeLoss(Batch batch, Generator generator);

    /// <summary>The normalized action window (B, H, Da) for normalized observations (B, To, Do).</summary>
    protected abstract Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator);

    /// <summary>Flattens the observation window into the global conditioning vector (B, To x Do).</summary>
    protected Tensor FlattenWindow(Tensor normalizedObservations) =>
        normalizedObservations[.., ..Cfg.NObsSteps].reshape(normalizedObservations.shape[0], -1);

    public Tensor PredictActionChunk(Tensor observations, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Network.eval();
        try
        {
            var obs = Normalizers[Cfg.ObservationKey].Normalize(observations.to(Device));
            var actions = Normalizers[FeatureKeys.Action].Unnormalize(PredictNormalizedWindow(obs, generator));
            int start = Cfg.NObsSteps - 1;
            return actions[.., start..(start + Cfg.NActionSteps)].cpu().MoveToOuterDisposeScope();
        }
        finally { Network.train(); }
    }

    public virtual void Dispose() => Network.Dispose();
}
