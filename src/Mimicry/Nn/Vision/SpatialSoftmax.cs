using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn.Vision;

/// <summary>
/// Spatial soft-argmax (Levine et al. 2016), as robomimic's <c>SpatialSoftmax</c> (robomimic/models/base_nets.py): a 1x1
/// convolution to K keypoint maps, a softmax over each map's H·W positions (temperature 1, not learned), and the expected
/// (x, y) under it on a grid from -1 to 1. (B, C, H, W) → (B, 2K), each keypoint's x then y.
/// </summary>
public sealed class SpatialSoftmax : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d keypoints;
    private readonly Tensor pos_x, pos_y;

    public int Keypoints { get; }

    public SpatialSoftmax(int inChannels, int height, int width, int numKeypoints = 32) : base(nameof(SpatialSoftmax))
    {
        Keypoints = numKeypoints;
        keypoints = nn.Conv2d(inChannels, numKeypoints, 1);
        // np.meshgrid(linspace(-1, 1, W), linspace(-1, 1, H)): x varies along the width, y along the height.
        var xs = width == 1 ? torch.zeros(1) : torch.linspace(-1, 1, width);
        var ys = height == 1 ? torch.zeros(1) : torch.linspace(-1, 1, height);
        pos_x = xs.reshape(1, width).expand(height, width).reshape(1, height * width).contiguous();
        pos_y = ys.reshape(height, 1).expand(height, width).reshape(1, height * width).contiguous();
        register_buffer(nameof(pos_x), pos_x, persistent: false);
        register_buffer(nameof(pos_y), pos_y, persistent: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var maps = keypoints.forward(x);                                  // (B, K, H, W)
        long b = maps.shape[0];
        var attention = maps.reshape(b * Keypoints, -1).softmax(-1);      // (B·K, H·W)
        var ex = (attention * pos_x).sum(1, keepdim: true);               // (B·K, 1)
        var ey = (attention * pos_y).sum(1, keepdim: true);
        return torch.cat([ex, ey], 1).reshape(b, 2 * Keypoints).MoveToOuterDisposeScope();
    }
}
