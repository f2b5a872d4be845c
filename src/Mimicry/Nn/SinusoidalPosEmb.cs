using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// Transformer-style sinusoidal embedding of a scalar (the diffusion step): half sines, half cosines of
/// x * 10000^(-i / (half - 1)) (diffusion_policy/model/diffusion/positional_embedding.py).
/// </summary>
public sealed class SinusoidalPosEmb : nn.Module<Tensor, Tensor>
{
    private readonly int _dim;

    public SinusoidalPosEmb(int dim) : base(nameof(SinusoidalPosEmb))
    {
        if (dim < 4 || dim % 2 != 0) throw new ArgumentException($"embedding dim must be even and >= 4, got {dim}");
        _dim = dim;
    }

    /// <param name="x">(B,) steps.</param>
    /// <returns>(B, dim).</returns>
    public override Tensor forward(Tensor x)
    {
        int half = _dim / 2;
        double scale = Math.Log(10000) / (half - 1);
        using var freqs = torch.exp(torch.arange(half, dtype: ScalarType.Float32, device: x.device) * -scale);
        using var args = x.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return torch.cat([args.sin(), args.cos()], dim: -1);
    }
}
