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
public sealed class FlowPolicy : UnetPolicyBase<FlowConfig>, IPrefixGuidedPolicy
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
        Sampler.Sample(_guidance is { } g ? RealTimeChunking.Guide(Velocity(network), g.Target, g.Weights) : Velocity(network),
            [batch, Cfg.Horizon, ActionDim], Device, generator);

    /// <summary>The guidance of the prediction under way: the normalized target window (B, H, Da) and weights (B, H, 1).</summary>
    private (Tensor Target, Tensor Weights)? _guidance;

    /// <summary>Real-time chunking: the chunk sampled with <see cref="RealTimeChunking.Guide"/> toward the committed actions.</summary>
    public Tensor PredictChunk(IReadOnlyDictionary<string, Tensor> window, Tensor prefix, Tensor weights, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        long b = prefix.shape[0], p = Math.Min(prefix.shape[1], ChunkLength);
        if (prefix.dim() != 3 || prefix.shape[2] != ActionDim || weights.shape[0] != b || weights.shape[1] != prefix.shape[1])
            throw new ArgumentException($"a prefix of shape [{string.Join(", ", prefix.shape)}] with weights [{string.Join(", ", weights.shape)}]: expected (B, P, {ActionDim}) and (B, P)");
        // Window row To-1+i is chunk row i: the committed actions go there, past rows and rows beyond the prefix are free.
        int offset = Cfg.NObsSteps - 1;
        var target = torch.zeros(b, Cfg.Horizon, ActionDim, device: Device);
        var w = torch.zeros(b, Cfg.Horizon, 1, device: Device);
        target[.., offset..(offset + (int)p)] = Normalizers[Data.FeatureKeys.Action].Normalize(prefix[.., ..(int)p].to(Device));
        w[.., offset..(offset + (int)p), 0] = weights[.., ..(int)p].to(ScalarType.Float32).to(Device);
        _guidance = (target, w);
        try { return PredictChunk(window, generator).MoveToOuterDisposeScope(); }
        finally { _guidance = null; }
    }
}
