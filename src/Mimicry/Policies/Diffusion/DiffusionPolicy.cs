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
public sealed class DiffusionPolicy : IPolicy
{
    private readonly DiffusionConfig _config;
    private readonly int _obsDim, _actionDim;
    private readonly NoiseSchedule _schedule;
    private readonly ConditionalUnet1d _net;

    public PolicyConfig Config => _config;
    public nn.Module Network => _net;
    public PolicyNormalizers Normalizers { get; }
    public IDiffusionSampler Sampler { get; private set; }
    public Device Device { get; }

    public DiffusionPolicy(DiffusionConfig config, int obsDim, int actionDim, PolicyNormalizers normalizers, Device? device = null)
    {
        config.Validate();
        _config = config;
        _obsDim = obsDim;
        _actionDim = actionDim;
        Normalizers = normalizers;
        Device = device ?? CPU;
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
    public void UseSampler(SamplerKind kind, int steps, double eta = 0) => Sampler = CreateSampler(_config with { Sampler = kind, NumInferenceSteps = steps, DdimEta = eta });

    public nn.Module CreateNetwork()
    {
        var net = new ConditionalUnet1d(_actionDim, _config.NObsSteps * _obsDim, _config.DownDims, _config.DiffusionStepEmbedDim,
            _config.KernelSize, _config.NGroups, _config.CondPredictScale);
        net.to(Device);
        return net;
    }

    public Tensor ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var obs = batch.Observations[_config.ObservationKey]; // (B, To, Do), normalized
        var cond = obs[.., ..(int)_config.NObsSteps].reshape(obs.shape[0], -1);
        var actions = batch.Action; // (B, H, Da), normalized
        var noise = torch.randn(actions.shape, generator: generator, device: actions.device);
        var t = torch.randint(0, _config.NumTrainTimesteps, [actions.shape[0]], generator: generator, dtype: ScalarType.Int64, device: actions.device);
        var noisy = _schedule.AddNoise(actions, noise, t);
        var prediction = _net.forward(noisy, t, cond);
        var target = _config.PredictionType == PredictionType.Epsilon ? noise : actions;
        return nn.functional.mse_loss(prediction, target).MoveToOuterDisposeScope();
    }

    public Tensor PredictActionChunk(Tensor observations, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var obs = Normalizers[_config.ObservationKey].Normalize(observations.to(Device));
        long b = obs.shape[0];
        var cond = obs[.., ..(int)_config.NObsSteps].reshape(b, -1);
        var trajectory = torch.randn([b, _config.Horizon, _actionDim], generator: generator, device: Device);
        foreach (int t in Sampler.Timesteps)
        {
            var steps = torch.full([b], t, dtype: ScalarType.Int64, device: Device);
            var output = _net.forward(trajectory, steps, cond);
            trajectory = Sampler.Step(output, t, trajectory, generator);
        }
        var actions = Normalizers[Data.FeatureKeys.Action].Unnormalize(trajectory);
        int start = _config.NObsSteps - 1; // oa_step_convention: the first action is for the last observed time
        return actions[.., start..(start + _config.NActionSteps)].cpu().MoveToOuterDisposeScope();
    }

    public void Dispose() => _net.Dispose();
}
