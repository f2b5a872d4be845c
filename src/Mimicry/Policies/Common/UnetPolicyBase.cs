using Mimicry.Numerics;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using Mimicry.Nn.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Common;

/// <summary>
/// A chunking policy whose network is Diffusion Policy's <see cref="ConditionalUnet1d"/> conditioned on the
/// flattened observation window: diffusion and flow matching derive from it and add only their objective
/// and sampler. With cameras (<c>policy.image_keys</c>) each is encoded per observation step by its own
/// <see cref="ImageEncoder"/> and the features join the low-dimensional observation in the global condition, as
/// diffusion_policy/policy/diffusion_unet_hybrid_image_policy.py does (obs_as_global_cond).
/// </summary>
public abstract class UnetPolicyBase<TConfig> : PolicyBase<TConfig> where TConfig : UnetPolicyConfig
{
    private readonly nn.Module _network;

    protected ConditionalUnet1d Net { get; }
    /// <summary>One encoder per camera, in <c>policy.image_keys</c> order (empty without cameras).</summary>
    protected IReadOnlyList<ImageEncoder> Encoders { get; }

    public override nn.Module Network => _network;
    protected override bool ReadsImages => true;

    protected UnetPolicyBase(TConfig config, PolicyNormalizers normalizers, Device? device) : base(config, normalizers, device)
    {
        _network = CreateNetwork();
        (Net, Encoders) = _network switch
        {
            ConditionalUnet1d unet => (unet, (IReadOnlyList<ImageEncoder>)[]),
            VisionUnet vision => (vision.Unet, vision.Encoders),
            _ => throw new InvalidOperationException("unexpected network"),
        };
    }

    /// <summary>Per observation step: the low-dimensional components read, then each camera's features.</summary>
    private int StepConditionDim => ObsDim + Cfg.ImageKeys.Length * Cfg.Vision.FeatureDim;

    /// <summary>One U-Net pass (a sampler makes one per step; guidance's batched pass counts twice); the image encoders are not counted.</summary>
    public override double? ForwardFlopsPerSample(bool training) => ConditionalUnet1d.ForwardFlops(ActionDim, Cfg.NObsSteps * StepConditionDim, Cfg.DownDims, Cfg.Horizon,
        Cfg.DiffusionStepEmbedDim, Cfg.KernelSize, Cfg.CondPredictScale, Cfg.Condition != null ? Cfg.ConditionEmbedDim : 0);

    /// <summary>The U-Net alone, or with cameras the U-Net and one image encoder per camera (<see cref="VisionUnet"/>).</summary>
    public override nn.Module CreateNetwork()
    {
        var guidance = Cfg.Condition == null ? ((int, int)?)null : (Normalizers.Dim(Cfg.Condition), Cfg.ConditionEmbedDim);
        var unet = new ConditionalUnet1d(ActionDim, Cfg.NObsSteps * StepConditionDim, Cfg.DownDims, Cfg.DiffusionStepEmbedDim,
            Cfg.KernelSize, Cfg.NGroups, Cfg.CondPredictScale, guidance);
        nn.Module net = Cfg.ImageKeys.Length == 0 ? unet
            : new VisionUnet(unet, Cfg.ImageKeys.Select(_ => new ImageEncoder(Cfg.Vision, Cfg.ImageShape)).ToArray());
        net.to(Device);
        return net;
    }

    /// <summary>
    /// The global condition (B, To x (Do + cameras x F)): per observation step the low-dimensional components read, then every
    /// camera's features; images (B, T, C, H, W) are cropped at random with <paramref name="randomCrop"/> (training) or in the centre.
    /// </summary>
    protected Tensor GlobalCondition(Tensor normalizedObservations, IReadOnlyDictionary<string, Tensor> images, Generator? randomCrop)
    {
        if (Encoders.Count == 0) return FlattenWindow(normalizedObservations);
        long b = normalizedObservations.shape[0];
        int to = Cfg.NObsSteps;
        var parts = new List<Tensor> { ObservedWindow(normalizedObservations) };                    // (B, To, Do)
        for (int k = 0; k < Encoders.Count; k++)
        {
            var frames = images.TryGetValue(Cfg.ImageKeys[k], out var img) ? img[.., ..to]          // (B, To, C, H, W)
                : throw new ArgumentException($"no frames of camera '{Cfg.ImageKeys[k]}'");
            var features = Encoders[k].Encode(frames.reshape(b * to, frames.shape[2], frames.shape[3], frames.shape[4]), randomCrop);
            parts.Add(features.reshape(b, to, -1));                                                  // (B, To, F)
        }
        return torch.cat(parts, 2).reshape(b, -1);
    }

    protected sealed override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator) =>
        SampleWindow(ActingNetwork(normalizedObservations, new Dictionary<string, Tensor>()), normalizedObservations.shape[0], generator);

    protected sealed override Tensor PredictNormalizedWindow(Tensor normalizedObservations, IReadOnlyDictionary<string, Tensor> images, Generator? generator) =>
        SampleWindow(ActingNetwork(normalizedObservations, images), normalizedObservations.shape[0], generator);

    /// <summary>The normalized action window (B, H, Da) sampled with the conditioned network.</summary>
    protected abstract Tensor SampleWindow(Denoiser network, long batch, Generator? generator);

    /// <summary>
    /// The network on a training batch: (x_t, t) → output, conditioned on the observation window (and the cameras, randomly
    /// cropped) and, with <c>policy.condition</c>, on the condition, replaced by ∅ in a Bernoulli(condition_dropout) share of rows.
    /// </summary>
    protected Denoiser TrainingNetwork(Batch batch, Generator generator)
    {
        var cond = GlobalCondition(batch[Cfg.ObservationKey], Cfg.ImageKeys.ToDictionary(k => k, k => batch[k]), generator); // (B, To x ...)
        if (Cfg.Condition == null) return (x, t) => Net.forward(x, t, cond);
        var c = batch[Cfg.Condition][.., 0];                  // (B, Dc), normalized
        var keep = RandomDraws.Uniform([c.shape[0]], generator, c.device) >= Cfg.ConditionDropout;
        return (x, t) => Net.forward(x, t, cond, c, keep);
    }

    /// <summary>
    /// The network when acting, conditioned on normalized observations (B, To, Do) and, with
    /// <c>policy.condition</c>, guided toward <c>policy.condition_value</c> with scale <c>policy.guidance_scale</c>.
    /// </summary>
    private Denoiser ActingNetwork(Tensor normalizedObservations, IReadOnlyDictionary<string, Tensor> images)
    {
        var cond = GlobalCondition(normalizedObservations, images, randomCrop: null);
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
