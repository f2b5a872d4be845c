using Mimicry.Data.Sampling;
using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Bc;

/// <summary>
/// Behaviour cloning: minimizes ||a - f(o)||² over normalized action windows, f an <see cref="Mlp"/> from
/// the flattened observation window (B, To x Do) to the action window (B, H x Da). Deterministic: for an
/// observation seen with two different actions it learns their mean, the mode averaging that generative
/// policies avoid.
/// </summary>
public sealed class BcPolicy : PolicyBase<BcConfig>
{
    private readonly Mlp _net;

    public override nn.Module Network => _net;

    public BcPolicy(BcConfig config, PolicyNormalizers normalizers, Device? device = null)
        : base(config, normalizers, device) => _net = (Mlp)CreateNetwork();

    /// <summary>The MLP's linears: 2·Σ in·out.</summary>
    public override double? ForwardFlopsPerSample(bool training)
    {
        int[] widths = [Cfg.NObsSteps * ObsDim, .. Cfg.HiddenDims, Cfg.Horizon * ActionDim];
        return widths.Zip(widths.Skip(1)).Sum(p => 2.0 * p.First * p.Second);
    }

    public override nn.Module CreateNetwork()
    {
        var net = new Mlp(Cfg.NObsSteps * ObsDim, Cfg.Horizon * ActionDim, Cfg.HiddenDims, Cfg.Dropout);
        net.to(Device);
        return net;
    }

    private Tensor Forward(Tensor normalizedObs) =>
        _net.forward(FlattenWindow(normalizedObs)).reshape(normalizedObs.shape[0], Cfg.Horizon, ActionDim); // (B, H, Da)

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var prediction = Forward(batch[Cfg.ObservationKey]);
        return new LossOutput(nn.functional.mse_loss(prediction, batch.Action).MoveToOuterDisposeScope());
    }

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator) => Forward(normalizedObservations);
}
