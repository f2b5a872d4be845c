using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Tokens;

/// <summary>
/// Cross-entropy against Gaussian soft targets over ordered bins (HL-Gauss: Imani and White 2018, Farebrother et al. 2024):
/// p(v) ∝ exp(−(v − t)² / 2σ²) over the first <c>vocab</c> classes and 0 for the rest (BOS, EOS), so a near miss costs less
/// than a far one. As σ → 0 it is the one-hot cross-entropy.
/// </summary>
public static class GaussianTargets
{
    /// <summary>Mean over (B, N) of −Σ_v p(v) log softmax(logits)_v. logits (B, N, C) with C ≥ vocab; targets (B, N), all in 0..vocab−1.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, int vocab, double sigma)
    {
        using var scope = torch.NewDisposeScope();
        var classes = torch.arange(logits.shape[2], ScalarType.Float32, logits.device);               // (C)
        var distance = classes.view(1, 1, -1) - targets.unsqueeze(-1).to(ScalarType.Float32);         // (B, N, C)
        var soft = (-distance.square() / (2 * sigma * sigma)).exp() * (classes < vocab).to(ScalarType.Float32);
        soft = soft / soft.sum(-1, keepdim: true);
        return (-(soft * nn.functional.log_softmax(logits, -1)).sum(-1).mean()).MoveToOuterDisposeScope();
    }
}
