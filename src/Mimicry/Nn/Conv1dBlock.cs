using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>Conv1d → GroupNorm → Mish (diffusion_policy/model/diffusion/conv1d_components.py).
/// Parameter names follow the reference: <c>block.0</c> (conv), <c>block.1</c> (norm).</summary>
public sealed class Conv1dBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential block;

    public Conv1dBlock(long inChannels, long outChannels, long kernelSize, long groups = 8) : base(nameof(Conv1dBlock))
    {
        if (outChannels % groups != 0) throw new ArgumentException($"{outChannels} channels do not split into {groups} groups");
        block = nn.Sequential(
            nn.Conv1d(inChannels, outChannels, kernelSize, padding: kernelSize / 2),
            Norms.GroupNorm(groups, outChannels),
            nn.Mish());
        RegisterComponents();
    }

    /// <param name="x">(B, C_in, T).</param>
    public override Tensor forward(Tensor x) => block.forward(x);
}

/// <summary>Halves the time axis: Conv1d(dim, dim, 3, stride 2, padding 1).</summary>
public sealed class Downsample1d : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d conv;

    public Downsample1d(long dim) : base(nameof(Downsample1d))
    {
        conv = nn.Conv1d(dim, dim, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>Doubles the time axis: ConvTranspose1d(dim, dim, 4, stride 2, padding 1).</summary>
public sealed class Upsample1d : nn.Module<Tensor, Tensor>
{
    private readonly ConvTranspose1d conv;

    public Upsample1d(long dim) : base(nameof(Upsample1d))
    {
        conv = nn.ConvTranspose1d(dim, dim, 4, stride: 2, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x);
}
