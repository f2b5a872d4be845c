using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Flow;

/// <summary>
/// Flow-matching policy: Diffusion Policy's <see cref="ConditionalUnet1d"/> and conditioning, with
/// <see cref="FlowMatchingObjective"/> (||v_θ(x_t, t, obs) - (ε - a)||²) and <see cref="FlowSampling"/>
/// (Euler or Heun, t: 1 → 0) in place of DDPM's pair. The network sees t·time_embedding_scale as its step.
/// </summary>
public sealed class FlowPolicy : UnetPolicyBase<FlowConfig>
{
    private readonly ITrainingObjective _objective;

    public FlowSampling Sampler { get; }

    public FlowPolicy(FlowConfig config, PolicyNormalizers normalizers, Device? device = null) : base(config, normalizers, device)
    {
        _objective = new FlowMatchingObjective(config.TimeSampling);
        Sampler = new FlowSampling(config.NumInferenceSteps, config.Solver, config.ClipSample, config.ClipSampleRange);
    }

    /// <summary>The velocity field v(x_t, t) conditioned on an observation window (B, To x Do).</summary>
    private Tensor Velocity(Tensor x, Tensor t, Tensor cond) => Net.forward(x, t * Cfg.TimeEmbeddingScale, cond);

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var cond = FlattenWindow(batch[Cfg.ObservationKey]);  // (B, To x Do), normalized
        var c = _objective.Corrupt(batch.Action, generator);    // actions (B, H, Da), normalized
        return new LossOutput(nn.functional.mse_loss(Velocity(c.Input, c.Time, cond), c.Target).MoveToOuterDisposeScope());
    }

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator)
    {
        var cond = FlattenWindow(normalizedObservations);
        return Sampler.Sample((x, t) => Velocity(x, t, cond), [normalizedObservations.shape[0], Cfg.Horizon, ActionDim], Device, generator);
    }
}
