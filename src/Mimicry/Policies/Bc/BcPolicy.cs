using Mimicry.Data.Sampling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Policies.Bc;

/// <summary>MLP: (B, To x Do) → hidden layers with Mish → (B, H x Da).</summary>
public sealed class BcMlp : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public BcMlp(int inputDim, int outputDim, int[] hidden, double dropout) : base(nameof(BcMlp))
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int last = inputDim;
        foreach (int h in hidden)
        {
            layers.Add(nn.Linear(last, h));
            layers.Add(nn.Mish());
            if (dropout > 0) layers.Add(nn.Dropout(dropout));
            last = h;
        }
        layers.Add(nn.Linear(last, outputDim));
        net = nn.Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => net.forward(x);
}

/// <summary>
/// Behaviour cloning: minimizes ||a - f(o)||² over normalized action windows. Deterministic: for an
/// observation seen with two different actions it learns their mean, the mode averaging that generative
/// policies avoid.
/// </summary>
public sealed class BcPolicy : PolicyBase<BcConfig>
{
    private readonly BcMlp _net;

    public override nn.Module Network => _net;

    public BcPolicy(BcConfig config, int obsDim, int actionDim, PolicyNormalizers normalizers, Device? device = null)
        : base(config, obsDim, actionDim, normalizers, device) => _net = (BcMlp)CreateNetwork();

    public override nn.Module CreateNetwork()
    {
        var net = new BcMlp(Cfg.NObsSteps * ObsDim, Cfg.Horizon * ActionDim, Cfg.HiddenDims, Cfg.Dropout);
        net.to(Device);
        return net;
    }

    private Tensor Forward(Tensor normalizedObs) =>
        _net.forward(FlattenWindow(normalizedObs)).reshape(normalizedObs.shape[0], Cfg.Horizon, ActionDim);

    public override Tensor ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var prediction = Forward(batch.Observations[Cfg.ObservationKey]);
        return nn.functional.mse_loss(prediction, batch.Action).MoveToOuterDisposeScope();
    }

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator) => Forward(normalizedObservations);
}
