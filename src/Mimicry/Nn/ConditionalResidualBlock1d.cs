using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// A residual block of two <see cref="Conv1dBlock"/>s with FiLM conditioning between them
/// (Perez et al. 2018): the condition vector is mapped to a per-channel scale and bias,
/// out = scale * conv0(x) + bias, or to a bias alone when <c>predictScale</c> is false
/// (diffusion_policy/model/diffusion/conditional_unet1d.py, ConditionalResidualBlock1D).
/// </summary>
public sealed class ConditionalResidualBlock1d : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;
    private readonly Sequential cond_encoder;
    private readonly nn.Module<Tensor, Tensor> residual_conv;
    private readonly long _outChannels;
    private readonly bool _predictScale;

    public ConditionalResidualBlock1d(long inChannels, long outChannels, long condDim, long kernelSize = 3, long groups = 8, bool predictScale = false)
        : base(nameof(ConditionalResidualBlock1d))
    {
        _outChannels = outChannels;
        _predictScale = predictScale;
        blocks = nn.ModuleList<nn.Module<Tensor, Tensor>>(
            new Conv1dBlock(inChannels, outChannels, kernelSize, groups),
            new Conv1dBlock(outChannels, outChannels, kernelSize, groups));
        cond_encoder = nn.Sequential(nn.Mish(), nn.Linear(condDim, predictScale ? 2 * outChannels : outChannels));
        residual_conv = inChannels != outChannels ? nn.Conv1d(inChannels, outChannels, 1) : nn.Identity();
        RegisterComponents();
    }

    /// <param name="x">(B, C_in, T).</param>
    /// <param name="cond">(B, cond_dim).</param>
    /// <returns>(B, C_out, T).</returns>
    public override Tensor forward(Tensor x, Tensor cond)
    {
        using var scope = torch.NewDisposeScope();
        var h = blocks[0].forward(x);
        var embed = cond_encoder.forward(cond).unsqueeze(-1); // (B, C or 2C, 1)
        if (_predictScale)
        {
            embed = embed.reshape(embed.shape[0], 2, _outChannels, 1);
            h = embed[.., 0] * h + embed[.., 1];
        }
        else h = h + embed;
        h = blocks[1].forward(h);
        return (h + residual_conv.forward(x)).MoveToOuterDisposeScope();
    }
}
