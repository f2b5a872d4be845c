using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Policies.Common;

namespace Mimicry.Policies.Diffusion;

/// <summary>
/// Diffusion Policy: a <see cref="ConditionalUnet1d"/> learns to predict the noise added to normalized
/// action sequences (<see cref="DiffusionObjective"/>: ||ε - ε_θ(sqrt(ᾱ_t) a0 + sqrt(1-ᾱ_t) ε, t, obs)||²),
/// and actions are sampled by running a DDPM or DDIM sampler from Gaussian noise
/// (<see cref="DiffusionSampling"/>). Follows diffusion_policy/policy/diffusion_unet_lowdim_policy.py
/// (obs_as_global_cond, oa_step_convention).
/// </summary>
public sealed class DiffusionPolicy : UnetPolicyBase<DiffusionConfig>
{
    private readonly ITrainingObjective _objective;

    public IActionSampler Sampler { get; }

    public DiffusionPolicy(DiffusionConfig config, PolicyNormalizers normalizers, Device? device = null)
        : base(config, normalizers, device)
    {
        var schedule = new NoiseSchedule(config.NumTrainTimesteps, config.BetaSchedule, config.BetaStart, config.BetaEnd);
        _objective = new DiffusionObjective(schedule, config.PredictionType);
        Sampler = new DiffusionSampling(config.Sampler switch
        {
            SamplerKind.Ddpm => new DdpmSampler(schedule, config.NumInferenceSteps, config.PredictionType, config.ClipSample, config.ClipSampleRange, config.TimestepSpacing),
            SamplerKind.Ddim => new DdimSampler(schedule, config.NumInferenceSteps, config.DdimEta, config.PredictionType, config.ClipSample, config.ClipSampleRange,
                spacing: config.TimestepSpacing),
            SamplerKind.DdimClipped => new DdimSampler(schedule, config.NumInferenceSteps, config.DdimEta, config.PredictionType, config.ClipSample, config.ClipSampleRange,
                useClippedModelOutput: true, spacing: config.TimestepSpacing),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Sampler, "unknown sampler"),
        });
    }

    protected override double TimeAtPureNoise => Cfg.NumTrainTimesteps; // timesteps 0 … T-1: level t/T, 0.99 at the noisiest

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var net = TrainingNetwork(batch, generator);           // conditioned on the observation window (and the condition)
        var c = _objective.Corrupt(batch.Action, generator);   // actions (B, H, Da), normalized
        var prediction = net(c.Input, c.Time);
        return new LossOutput(nn.functional.mse_loss(prediction, c.Target).MoveToOuterDisposeScope());
    }

    /// <summary>Samples the action window (B, H, Da) with the network conditioned on the observation window.</summary>
    protected override Tensor SampleWindow(Denoiser network, long batch, Generator? generator) =>
        Sampler.Sample(network, [batch, Cfg.Horizon, ActionDim], Device, generator);
}
