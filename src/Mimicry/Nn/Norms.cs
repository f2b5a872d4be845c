using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// Normalization layers with PyTorch's initialization. TorchSharp 0.107's <c>nn.GroupNorm</c> allocates
/// its affine weight and bias with <c>torch.empty</c> and never fills them (they hold whatever the
/// allocator returned: zeros, NaN or 1e34), so we set weight = 1, bias = 0 as torch.nn.GroupNorm does.
/// </summary>
public static class Norms
{
    public static GroupNorm GroupNorm(long groups, long channels, double eps = 1e-5)
    {
        var norm = nn.GroupNorm(groups, channels, eps);
        using var noGrad = torch.no_grad();
        norm.weight?.fill_(1);
        norm.bias?.fill_(0);
        return norm;
    }

    /// <summary>LayerNorm with weight = 1, bias = 0 (set explicitly, for the same reason).</summary>
    public static LayerNorm LayerNorm(long dim, double eps = 1e-5)
    {
        var norm = nn.LayerNorm(dim, eps);
        using var noGrad = torch.no_grad();
        norm.weight?.fill_(1);
        norm.bias?.fill_(0);
        return norm;
    }
}
