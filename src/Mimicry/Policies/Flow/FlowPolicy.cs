using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Policies.Common;

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
        Sampler = new FlowSampling(config.NumInferenceSteps, config.Sampler, config.ClipSample, config.ClipSampleRange);
    }

    protected override double TimeAtPureNoise => Cfg.TimeEmbeddingScale; // the network sees t·scale, t = 1 pure noise

    /// <summary>The velocity field v(x_t, t): the network sees t·time_embedding_scale as its step.</summary>
    private Denoiser Velocity(Denoiser net) => (x, t) => net(x, t * Cfg.TimeEmbeddingScale);

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var velocity = Velocity(TrainingNetwork(batch, generator)); // conditioned on the observation window (and the condition)
        var c = _objective.Corrupt(batch.Action, generator);         // actions (B, H, Da), normalized
        return new LossOutput(nn.functional.mse_loss(velocity(c.Input, c.Time), c.Target).MoveToOuterDisposeScope());
    }

    protected override Tensor SampleWindow(Denoiser network, long batch, Generator? generator) =>
        Sampler.Sample(Velocity(network), [batch, Cfg.Horizon, ActionDim], Device, generator);
}
