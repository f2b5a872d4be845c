using Mimicry.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Configuration;

namespace Mimicry.Training;

/// <summary>
/// Exponential moving average of weights with DP's warm-up (diffusion_policy/model/diffusion/ema_model.py):
/// decay = 1 - (1 + step / inv_gamma)^-power, clamped to [min, max], 0 for the first step.
/// With power 0.75 the decay reaches 0.999 near 10k steps and 0.9999 near 215k. The averaged network's
/// parameters are views into flat buffers laid out like the trained parameters' <see cref="FlatParameterGroup"/>s,
/// so a step is two whole-buffer ops per group. Buffers (running statistics, fitted tables) and parameters
/// that are not trained are not averaged but copied, so the averaged network is complete.
/// </summary>
public sealed class Ema : IDisposable
{
    private readonly TrainConfig _c;
    private readonly (Tensor Ema, Tensor Values)[] _flat;
    private readonly (Tensor Ema, Tensor Source)[] _copied;
    private readonly HeldScalar _decay = new(), _oneMinusDecay = new();

    public long OptimizationStep { get; set; }
    public double Decay { get; private set; }

    /// <param name="averaged">A network of the model's architecture that will hold the average.</param>
    /// <param name="model">The trained network, whose trained parameters are <paramref name="groups"/>.</param>
    public Ema(nn.Module averaged, nn.Module model, IReadOnlyList<FlatParameterGroup> groups, TrainConfig config)
    {
        _c = config;
        var ema = averaged.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var p in ema.Values) p.requires_grad = false;
        using var noGrad = torch.no_grad();
        var averagedNames = new HashSet<string>();
        _flat = groups.Select(g =>
        {
            var buffer = g.Values.detach().clone();
            foreach (var m in g.Members)
            {
                if (!ema.TryGetValue(m.Name, out var target)) throw new ArgumentException($"EMA: the averaged network has no parameter {m.Name}");
                using var view = FlatParameterGroup.View(buffer, m);
                target.set_(view);
                averagedNames.Add(m.Name);
            }
            return (buffer, g.Values);
        }).ToArray();
        var emaBuffers = averaged.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        _copied = model.named_parameters().Where(p => !averagedNames.Contains(p.name)).Select(p => ((Tensor)ema[p.name], (Tensor)p.parameter))
            .Concat(model.named_buffers().Select(b => (emaBuffers[b.name], b.buffer))).ToArray();
        foreach (var (e, b) in _copied) e.copy_(b);
    }

    public double DecayAt(long optimizationStep)
    {
        long step = Math.Max(0, optimizationStep - _c.EmaUpdateAfterStep - 1);
        if (step <= 0) return 0.0;
        double value = 1 - Math.Pow(1 + step / _c.EmaInvGamma, -_c.EmaPower);
        return Math.Max(_c.EmaMinValue, Math.Min(value, _c.EmaMaxValue));
    }

    /// <summary>ema = decay * ema + (1 - decay) * param, for every trained parameter; the rest copied.</summary>
    public void Step()
    {
        Decay = DecayAt(OptimizationStep);
        var (decay, oneMinusDecay) = (_decay.Set(Decay), _oneMinusDecay.Set(1 - Decay));
        using (var noGrad = torch.no_grad())
        {
            foreach (var (e, p) in _flat)
            {
                e.mul_(decay);
                e.add_(p, oneMinusDecay);
            }
            foreach (var (e, b) in _copied) e.copy_(b);
        }
        OptimizationStep++;
    }

    public void Dispose()
    {
        foreach (var (e, _) in _flat) e.Dispose();
        _decay.Dispose();
        _oneMinusDecay.Dispose();
    }
}
