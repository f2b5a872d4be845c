using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies;

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

    public override nn.Module CreateNetwork()
    {
        var net = new ConditionalUnet1d(ActionDim, Cfg.NObsSteps * ObsDim, Cfg.DownDims, Cfg.DiffusionStepEmbedDim,
            Cfg.KernelSize, Cfg.NGroups, Cfg.CondPredictScale);
        net.to(Device);
        return net;
    }
}
