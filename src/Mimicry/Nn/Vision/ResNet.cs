using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn.Vision;

/// <summary>
/// ResNet-18's convolutional trunk (torchvision.models.resnet18 without avgpool and fc, as robomimic's ResNet18Conv) with every
/// BatchNorm replaced by GroupNorm of channels/16 groups, as Diffusion Policy does for its image encoders
/// (diffusion_policy/policy/diffusion_unet_hybrid_image_policy.py, <c>obs_encoder_group_norm</c>: BatchNorm breaks with EMA).
/// Convolutions have no bias and torchvision's initialization (Kaiming normal, fan_out, ReLU gain). <c>widths</c>
/// scales the four stages ([64, 128, 256, 512] is ResNet-18); the output is (B, widths[3], H/32, W/32).
/// </summary>
public sealed class ResNetTrunk : nn.Module<Tensor, Tensor>
{
    private readonly Sequential stem;
    private readonly ModuleList<BasicBlock> blocks;

    public int OutChannels { get; }

    public ResNetTrunk(int[]? widths = null, int inChannels = 3) : base(nameof(ResNetTrunk))
    {
        widths ??= [64, 128, 256, 512];
        if (widths.Length != 4 || widths.Any(w => w < 16 || w % 16 != 0)) throw new ArgumentException($"ResNet widths must be 4 multiples of 16 (GroupNorm of channels/16 groups), got [{string.Join(",", widths)}]");
        stem = nn.Sequential(
            ("conv1", nn.Conv2d(inChannels, widths[0], 7, stride: 2, padding: 3, bias: false)),
            ("norm1", Norm(widths[0])),
            ("relu", nn.ReLU()),
            ("maxpool", nn.MaxPool2d(3, stride: 2, padding: 1)));
        var list = new List<BasicBlock>();
        int channels = widths[0];
        for (int stage = 0; stage < 4; stage++)
            for (int b = 0; b < 2; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                list.Add(new BasicBlock(channels, widths[stage], stride));
                channels = widths[stage];
            }
        blocks = nn.ModuleList(list.ToArray());
        OutChannels = channels;
        RegisterComponents();
        foreach (var m in modules())
            if (m is Conv2d conv) nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    internal static GroupNorm Norm(int channels) => Norms.GroupNorm(channels / 16, channels);

    /// <param name="x">(B, C, H, W) float.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = stem.forward(x);
        foreach (var block in blocks) h = block.forward(h);
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's BasicBlock: two 3x3 convolutions with a residual, a 1x1 projection when the shape changes.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1, conv2;
    private readonly GroupNorm norm1, norm2;
    private readonly Sequential? downsample;

    public BasicBlock(int inChannels, int outChannels, int stride) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        norm1 = ResNetTrunk.Norm(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        norm2 = ResNetTrunk.Norm(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), ResNetTrunk.Norm(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.relu(norm1.forward(conv1.forward(x)));
        h = norm2.forward(conv2.forward(h));
        var identity = downsample?.forward(x) ?? x;
        return nn.functional.relu(h + identity).MoveToOuterDisposeScope();
    }
}
