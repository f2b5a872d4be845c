using Mimicry.Data;
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
public sealed class BcPolicy : IPolicy
{
    private readonly BcConfig _config;
    private readonly int _obsDim, _actionDim;
    private readonly BcMlp _net;

    public PolicyConfig Config => _config;
    public nn.Module Network => _net;
    public PolicyNormalizers Normalizers { get; }
    public Device Device { get; }

    public BcPolicy(BcConfig config, int obsDim, int actionDim, PolicyNormalizers normalizers, Device? device = null)
    {
        config.Validate();
        _config = config;
        _obsDim = obsDim;
        _actionDim = actionDim;
        Normalizers = normalizers;
        Device = device ?? CPU;
        _net = (BcMlp)CreateNetwork();
    }

    public nn.Module CreateNetwork()
    {
        var net = new BcMlp(_config.NObsSteps * _obsDim, _config.Horizon * _actionDim, _config.HiddenDims, _config.Dropout);
        net.to(Device);
        return net;
    }

    private Tensor Forward(Tensor normalizedObs)
    {
        long b = normalizedObs.shape[0];
        var flat = normalizedObs[.., ..(int)_config.NObsSteps].reshape(b, -1);
        return _net.forward(flat).reshape(b, _config.Horizon, _actionDim);
    }

    public Tensor ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var prediction = Forward(batch.Observations[_config.ObservationKey]);
        return nn.functional.mse_loss(prediction, batch.Action).MoveToOuterDisposeScope();
    }

    public Tensor PredictActionChunk(Tensor observations, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        _net.eval();
        var obs = Normalizers[_config.ObservationKey].Normalize(observations.to(Device));
        var actions = Normalizers[FeatureKeys.Action].Unnormalize(Forward(obs));
        _net.train();
        int start = _config.NObsSteps - 1;
        return actions[.., start..(start + _config.NActionSteps)].cpu().MoveToOuterDisposeScope();
    }

    public void Dispose() => _net.Dispose();
}
