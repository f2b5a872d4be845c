using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

/// <summary>The network with its condition left open: (x_t, t, keep (B) bool: false = null condition ∅) → output.</summary>
public delegate Tensor ConditionedDenoiser(Tensor sample, Tensor time, Tensor keep);

/// <summary>
/// Classifier-free guidance (Ho &amp; Salimans 2022, eq. 6), in the "scale" convention of diffusers, Decision
/// Diffuser and BESO: ε̃ = ε(x, ∅) + s·(ε(x, c) − ε(x, ∅)). s = 1 is the plain conditional model, s = 0 the
/// unconditional one, s &gt; 1 pushes past the conditional toward c; Ho's w is s − 1. The same formula guides
/// velocities: x̂0 and ε̂ are affine in v with coefficients that do not depend on the condition.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>
    /// A <see cref="Denoiser"/> guided with scale <paramref name="scale"/>. s = 1 and s = 0 run one pass of B
    /// (exactly the conditional or the unconditional output); any other s runs one batched pass of 2B,
    /// conditional rows first, and combines the halves. With <paramref name="guideAt"/>, a call whose time it
    /// rejects runs the conditional model alone (one pass of B, s = 1): guidance on an interval of noise levels
    /// (Kynkäänniemi et al. 2024), which costs the 2B pass only where it is asked for.
    /// </summary>
    public static Denoiser Guide(ConditionedDenoiser net, double scale, Func<Tensor, bool>? guideAt = null)
    {
        if (!double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "guidance scale must be finite");
        Denoiser conditionalOnly = (x, t) => { using var keep = torch.ones(x.shape[0], ScalarType.Bool, x.device); return net(x, t, keep); };
        if (scale == 1) return conditionalOnly;
        if (scale == 0) return (x, t) => { using var keep = torch.zeros(x.shape[0], ScalarType.Bool, x.device); return net(x, t, keep); };
        return (x, t) =>
        {
            if (guideAt != null && !guideAt(t)) return conditionalOnly(x, t);
            using var scope = torch.NewDisposeScope();
            long b = x.shape[0];
            var keep = torch.cat([torch.ones(b, ScalarType.Bool, x.device), torch.zeros(b, ScalarType.Bool, x.device)]);
            var both = net(torch.cat([x, x]), torch.cat([t, t]), keep); // (2B, ...)
            var conditional = both[..(int)b];
            var unconditional = both[(int)b..];
            return (unconditional + scale * (conditional - unconditional)).MoveToOuterDisposeScope();
        };
    }
}
