using Mimicry.Data.Sampling;
using Mimicry.Generative;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Diffusion;

/// <summary>
/// Diffusion Policy: a conditional U-Net learns to predict the noise added to normalized action
/// sequences (DDPM loss, Ho et al. 2020 eq. 14: ||ε - ε_θ(sqrt(ᾱ_t) a0 + sqrt(1-ᾱ_t) ε, t, obs)||²),
/// and actions are sampled by running a DDPM or DDIM sampler from Gaussian noise.
/// Follows diffusion_policy/policy/diffusion_unet_lowdim_policy.py (obs_as_global_cond, oa_step_convention).
/// </summary>
public sealed class DiffusionPolicy : PolicyBase<DiffusionConfig>
{
    private readonly NoiseSchedule _schedule;
    private readonly ConditionalUnet1d _net;

    public override nn.Module Network => _net;
    public IDiffusionSampler Sampler { get; private set; }

    public DiffusionPolicy(DiffusionConfig config, int obsDim, int actionDim, PolicyNormalizers normalizers, Device? device = null)
        : base(config, obsDim, actionDim, normalizers, device)
    {
        _schedule = new NoiseSchedule(config.NumTrainTimesteps, config.BetaSchedule, config.BetaStart, config.BetaEnd);
        Sampler = CreateSampler(config);
        _net = (ConditionalUnet1d)CreateNetwork();
    }

    private IDiffusionSampler CreateSampler(DiffusionConfig c) => c.Sampler switch
    {
        SamplerKind.Ddpm => new DdpmSampler(_schedule, c.NumInferenceSteps, c.PredictionType, c.ClipSample, c.ClipSampleRange),
        SamplerKind.Ddim => new DdimSampler(_schedule, c.NumInferenceSteps, c.DdimEta, c.PredictionType, c.ClipSample, c.ClipSampleRange),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>Switches the inference sampler (e.g. DDIM with 10 steps) without touching the weights.</summary>
    public void UseSampler(SamplerKind kind, int steps, double eta = 0) => Sampler = CreateSampler(Cfg with { Sampler = kind, NumInferenceSteps = steps, DdimEta = eta });

    public override nn.Module CreateNetwork()
    {
        var net = new ConditionalUnet1d(ActionDim, Cfg.NObsSteps * ObsDim, Cfg.DownDims, Cfg.DiffusionStepEmbedDim,
            Cfg.KernelSize, Cfg.NGroups, Cfg.CondPredictScale);
        net.to(Device);
        return net;
    }

    public override Tensor ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var cond = FlattenWindow(batch.Observations[Cfg.ObservationKey]); // (B, To x Do), normalized
        var actions = batch.Action; // (B, H, Da), normalized
        var noise = torch.randn(actions.shape, generator: generator, device: actions.device);
        var t = torch.randint(0, Cfg.NumTrainTimesteps, [actions.shape[0]], generator: generator, dtype: ScalarType.Int64, device: actions.device);
        var noisy = _schedule.AddNoise(actions, noise, t);
        var prediction = _net.forward(noisy, t, cond);
        var target = Cfg.PredictionType == PredictionType.Epsilon ? noise : actions;
        return nn.functional.mse_loss(prediction, target).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the sampler from Gaussian noise, conditioned on the observation window.</summary>
    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator)
    {
        long b = normalizedObservations.shape[0];
        var cond = FlattenWindow(normalizedObservations);
        var trajectory = torch.randn([b, Cfg.Horizon, ActionDim], generator: generator, device: Device);
        foreach (int t in Sampler.Timesteps)
        {
            using var steps = torch.full([b], t, dtype: ScalarType.Int64, device: Device);
            var output = _net.forward(trajectory, steps, cond);
            trajectory = Sampler.Step(output, t, trajectory, generator);
        }
        return trajectory;
    }
}
