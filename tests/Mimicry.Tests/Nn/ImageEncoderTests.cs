using Mimicry.Nn.Vision;
using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Nn;

public class ImageEncoderTests
{
    [Fact]
    public void Diffusion_policys_encoder_has_its_parameter_count_and_shapes()
    {
        using var scope = torch.NewDisposeScope();
        using var encoder = new ImageEncoder(VisionConfig.DiffusionPolicy, [96, 96, 3]);
        long count = encoder.parameters().Sum(p => p.numel());
        // Worked from DP's pieces, not from this code: torchvision's resnet18 has 11,689,512 parameters, of which fc is
        // 512 x 1000 + 1000 = 513,000 (robomimic's ResNet18Conv drops it; GroupNorm has BatchNorm's 2 per channel);
        // robomimic's SpatialSoftmax adds Conv2d(512, 32, 1) = 512 x 32 + 32 = 16,416; VisualCore's Linear(64, 64) = 4,160.
        Assert.Equal(11_689_512 - 513_000 + 16_416 + 4_160, count); // 11,197,088 (DP's log: "Vision params: 1.1e+07")
        var images = torch.randint(0, 256, [5, 3, 96, 96], ScalarType.Byte);
        Assert.Equal(new long[] { 5, 64 }, encoder.forward(images).shape);
        using var g = RandomDraws.Seeded(0);
        Assert.Equal(new long[] { 5, 64 }, encoder.Encode(images, g).shape);
        // GroupNorm everywhere (channels / 16 groups), no BatchNorm: the encoder trains under EMA.
        Assert.DoesNotContain(encoder.modules(), m => m.GetType().Name.Contains("BatchNorm"));
    }

    [Fact]
    public void Training_crops_are_random_per_image_and_the_acting_crop_is_the_centre()
    {
        using var scope = torch.NewDisposeScope();
        // Pixel value = 10 * row + column (rows and columns 0..11): a crop's top-left value says where it was cut.
        var image = (torch.arange(12).reshape(12, 1) * 10 + torch.arange(12).reshape(1, 12)).to_type(ScalarType.Float32);
        var batch = image.reshape(1, 1, 12, 12).expand(64, 1, 12, 12);
        var centre = Crops.Center(batch, 8, 8);
        Assert.Equal(new long[] { 64, 1, 8, 8 }, centre.shape);
        Assert.True(centre[.., 0, 0, 0].eq(22).all().item<bool>()); // (12 - 8) / 2 = 2: row 2, column 2
        using var g = RandomDraws.Seeded(1);
        var random = Crops.Random(batch, 8, 8, g);
        var corners = random[.., 0, 0, 0].data<float>().ToArray();
        // 5 x 5 possible offsets: 64 crops land on many of them, every one inside the image, and the crop is contiguous.
        Assert.True(corners.Distinct().Count() >= 10, string.Join(",", corners));
        Assert.All(corners, c => Assert.True(c % 10 <= 4 && Math.Floor(c / 10) <= 4, $"corner {c}"));
        Assert.True(random[.., 0, 7, 7].eq(random[.., 0, 0, 0] + 77).all().item<bool>());
        // The same generator state gives the same crops; the centre never changes.
        using var g2 = RandomDraws.Seeded(1);
        Assert.Equal(corners, Crops.Random(batch, 8, 8, g2)[.., 0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void Spatial_softmax_finds_a_bright_spot()
    {
        using var scope = torch.NewDisposeScope();
        using var pool = new SpatialSoftmax(1, 5, 5, numKeypoints: 1);
        using (torch.no_grad())
        {
            foreach (var p in pool.parameters()) p.zero_();
            pool.parameters().First(p => p.dim() == 4).fill_(1); // the 1x1 convolution copies the input map
        }
        var map = torch.zeros(1, 1, 5, 5);
        map[0, 0, 4, 0] = torch.tensor(50f); // bottom-left: x = -1, y = +1 on the [-1, 1] grid
        var xy = pool.forward(map).data<float>().ToArray();
        Assert.Equal(-1, xy[0], 3);
        Assert.Equal(1, xy[1], 3);
    }
}
