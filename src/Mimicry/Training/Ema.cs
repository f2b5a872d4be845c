using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Training;

/// <summary>
/// Exponential moving average of weights with DP's warm-up (diffusion_policy/model/diffusion/ema_model.py):
/// decay = 1 - (1 + step / inv_gamma)^-power, clamped to [min, max], 0 for the first step.
/// With power 0.75 the decay reaches 0.999 near 10k steps and 0.9999 near 215k. Buffers (running
/// statistics, fitted tables) are not averaged but copied, so the averaged network is complete.
/// </summary>
public sealed class Ema
{
    private readonly TrainConfig _c;
    private readonly (Tensor Ema, Tensor Param)[] _pairs;
    private readonly (Tensor Ema, Tensor Buffer)[] _buffers;

    public long OptimizationStep { get; set; }
    public double Decay { get; private set; }

    public Ema(nn.Module averaged, nn.Module model, TrainConfig config)
    {
        _c = config;
        var ema = averaged.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _pairs = model.named_parameters().Select(p => ((Tensor)ema[p.name], (Tensor)p.parameter)).ToArray();
        var emaBuffers = averaged.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        _buffers = model.named_buffers().Select(b => (emaBuffers[b.name], b.buffer)).ToArray();
        foreach (var p in averaged.parameters()) p.requires_grad = false;
        using var noGrad = torch.no_grad();
        foreach (var (e, p) in _pairs) e.copy_(p);
        foreach (var (e, b) in _buffers) e.copy_(b);
    }

    public double DecayAt(long optimizationStep)
    {
        long step = Math.Max(0, optimizationStep - _c.EmaUpdateAfterStep - 1);
        if (step <= 0) return 0.0;
        double value = 1 - Math.Pow(1 + step / _c.EmaInvGamma, -_c.EmaPower);
        return Math.Max(_c.EmaMinValue, Math.Min(value, _c.EmaMaxValue));
    }

    /// <summary>ema = decay * ema + (1 - decay) * param, for every parameter; buffers copied.</summary>
    public void Step()
    {
        Decay = DecayAt(OptimizationStep);
        using var noGrad = torch.no_grad();
        foreach (var (e, p) in _pairs)
        {
            e.mul_(Decay);
            e.add_(p, alpha: 1 - Decay);
        }
        foreach (var (e, b) in _buffers) e.copy_(b);
        OptimizationStep++;
    }
}
