using Mimicry.Numerics;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Common;

/// <summary>
/// A chunking policy whose network is Diffusion Policy's <see cref="ConditionalUnet1d"/> conditioned on the
/// flattened observation window: diffusion and flow matching derive from it and add only their objective
/// and sampler.
/// </summary>
public abstract class UnetPolicyBase<TConfig> : PolicyBase<TConfig> where TConfig : UnetPolicyConfig
{
    protected ConditionalUnet1d Net { get; }

    public override nn.Module Network => Net;

    protected UnetPolicyBase(TConfig config, PolicyNormalizers normalizers, Device? device) : base(config, normalizers, device) =>
        Net = (ConditionalUnet1d)CreateNetwork();

    /// <summary>One U-Net pass (a sampler makes one per step; guidance's batched pass counts twice).</summary>
    public override double? ForwardFlopsPerSample(bool training) => ConditionalUnet1d.ForwardFlops(ActionDim, Cfg.NObsSteps * ObsDim, Cfg.DownDims, Cfg.Horizon,
        Cfg.DiffusionStepEmbedDim, Cfg.KernelSize, Cfg.CondPredictScale, Cfg.Condition != null ? Cfg.ConditionEmbedDim : 0);

    public override nn.Module CreateNetwork()
    {
        var guidance = Cfg.Condition == null ? ((int, int)?)null : (Normalizers.Dim(Cfg.Condition), Cfg.ConditionEmbedDim);
        var net = new ConditionalUnet1d(ActionDim, Cfg.NObsSteps * ObsDim, Cfg.DownDims, Cfg.DiffusionStepEmbedDim,
            Cfg.KernelSize, Cfg.NGroups, Cfg.CondPredictScale, guidance);
        net.to(Device);
        return net;
    }

    /// <summary>
    /// The network on a training batch: (x_t, t) → output, conditioned on the observation window and, with
    /// <c>policy.condition</c>, on the condition, replaced by ∅ in a Bernoulli(condition_dropout) share of rows.
    /// </summary>
    protected Denoiser TrainingNetwork(Batch batch, Generator generator)
    {
        var cond = FlattenWindow(batch[Cfg.ObservationKey]); // (B, To x Do), normalized
        if (Cfg.Condition == null) return (x, t) => Net.forward(x, t, cond);
        var c = batch[Cfg.Condition][.., 0];                  // (B, Dc), normalized
        var keep = RandomDraws.Uniform([c.shape[0]], generator, c.device) >= Cfg.ConditionDropout;
        return (x, t) => Net.forward(x, t, cond, c, keep);
    }

    /// <summary>
    /// The network when acting, conditioned on normalized observations (B, To, Do) and, with
    /// <c>policy.condition</c>, guided toward <c>policy.condition_value</c> with scale <c>policy.guidance_scale</c>.
    /// </summary>
    protected Denoiser ActingNetwork(Tensor normalizedObservations)
    {
        var cond = FlattenWindow(normalizedObservations);
        if (Cfg.Condition == null) return (x, t) => Net.forward(x, t, cond);
        var c = RequestedCondition(normalizedObservations.shape[0]);
        return ClassifierFreeGuidance.Guide((x, t, keep) =>
        {
            long repeat = x.shape[0] / cond.shape[0]; // 2 in a guided pass of 2B
            return Net.forward(x, t, cond.repeat(repeat, 1), c.repeat(repeat, 1), keep);
        }, Cfg.GuidanceScale, GuidedAt(Cfg.GuidanceInterval));
    }

    /// <summary>The network's time input at pure noise: noise level = time / this (diffusion: T; flow: its time scale).</summary>
    protected abstract double TimeAtPureNoise { get; }

    /// <summary>Whether a pass at network time t (B,), one value for the batch, lies in the guidance interval (lo, hi] ([0, hi] when lo = 0).</summary>
    private Func<Tensor, bool>? GuidedAt(double[]? interval)
    {
        if (interval == null) return null;
        return t =>
        {
            using var first = t[0];
            using var value = first.to_type(ScalarType.Float64);
            double level = value.item<double>() / TimeAtPureNoise;
            return (level > interval[0] || interval[0] == 0) && level <= interval[1] + 1e-9;
        };
    }

    /// <summary>policy.condition_value, normalized, for B rows (B, Dc); zeros stand in when s = 0 ignores it.</summary>
    private Tensor RequestedCondition(long batch)
    {
        int dim = Normalizers.Dim(Cfg.Condition!);
        if (Cfg.ConditionValue == null)
        {
            if (Cfg.GuidanceScale == 0) return torch.zeros(batch, dim, device: Device);
            throw new InvalidOperationException($"policy {Cfg.Name} is conditioned on '{Cfg.Condition}': set policy.condition_value (or policy.guidance_scale=0 for the unconditional model)");
        }
        if (Cfg.ConditionValue.Length != dim) throw new ArgumentException($"policy.condition_value has {Cfg.ConditionValue.Length} values; '{Cfg.Condition}' has {dim}");
        var raw = torch.tensor(Cfg.ConditionValue.Select(v => (float)v).ToArray(), device: Device).reshape(1, dim);
        return Normalizers[Cfg.Condition!].Normalize(raw).expand(batch, dim);
    }
}
