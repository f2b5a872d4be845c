using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn.Vision;

/// <summary>
/// A policy network that sees: the action U-Net and one image encoder per camera, held together so that the optimizer, EMA and
/// checkpoints see every parameter (<c>unet.*</c>, <c>encoders.K.*</c>). The policy calls the parts; this module has no forward.
/// </summary>
public sealed class VisionUnet : nn.Module
{
    private readonly ConditionalUnet1d unet;
    private readonly ModuleList<ImageEncoder> encoders;

    public ConditionalUnet1d Unet => unet;
    public IReadOnlyList<ImageEncoder> Encoders => encoders.ToList();

    public VisionUnet(ConditionalUnet1d unet, ImageEncoder[] encoders) : base(nameof(VisionUnet))
    {
        this.unet = unet;
        this.encoders = nn.ModuleList(encoders);
        RegisterComponents();
    }
}
