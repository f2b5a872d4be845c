using Mimicry.Data.Sampling;
using Mimicry.Policies;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Policies.Linear;

/// <summary>Least squares from the flattened observation window (B, To·Do) to the action window (B, H·Da).</summary>
public sealed class LinearPolicy : PolicyBase<LinearConfig>
{
    private readonly TorchSharp.Modules.Linear _net;

    public override nn.Module Network => _net;

    public LinearPolicy(LinearConfig config, PolicyNormalizers normalizers, Device? device = null)
        : base(config, normalizers, device) => _net = (TorchSharp.Modules.Linear)CreateNetwork();

    public override nn.Module CreateNetwork()
    {
        var net = nn.Linear(Cfg.NObsSteps * ObsDim, Cfg.Horizon * ActionDim);
        using (torch.no_grad()) net.weight!.mul_(Cfg.InitScale);
        net.to(Device);
        return net;
    }

    private Tensor Forward(Tensor normalizedObs) =>
        _net.forward(FlattenWindow(normalizedObs)).reshape(normalizedObs.shape[0], Cfg.Horizon, ActionDim); // (B, H, Da)

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        return new LossOutput(nn.functional.mse_loss(Forward(batch[Cfg.ObservationKey]), batch.Action).MoveToOuterDisposeScope());
    }

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator) => Forward(normalizedObservations);
}
