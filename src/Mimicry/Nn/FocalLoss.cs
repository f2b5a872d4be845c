using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// Focal loss (Lin et al. 2017, eq. 4): −(1 − p_t)^γ · log p_t, averaged over rows; γ = 0 is cross-entropy. BeT uses γ = 2
/// (diffusion_policy/model/bet/libraries/loss_fn.py FocalLoss, after AdeelH/pytorch-multi-class-focal-loss).
/// </summary>
public static class FocalLoss
{
    /// <param name="logits">(N, C).</param>
    /// <param name="target">(N) int64 class indices.</param>
    public static Tensor Compute(Tensor logits, Tensor target, double gamma)
    {
        using var scope = torch.NewDisposeScope();
        var logP = logits.log_softmax(-1);
        var logPt = logP.gather(1, target.unsqueeze(1)).squeeze(1); // (N)
        var focal = gamma == 0 ? torch.ones_like(logPt) : (1 - logPt.exp()).pow(gamma);
        return (-(focal * logPt)).mean().MoveToOuterDisposeScope();
    }
}
