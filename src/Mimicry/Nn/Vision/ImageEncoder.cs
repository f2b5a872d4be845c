using Mimicry.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn.Vision;

/// <summary>The image encoder's shape; defaults are Diffusion Policy's Push-T image encoder (ResNet-18 from scratch with GroupNorm,
/// crop 84 of 96, 32 spatial-softmax keypoints, 64 features: LeRobot's configuration_diffusion.py gives the same for Push-T).</summary>
public sealed record VisionConfig
{
    /// <summary>ResNet-18's stage widths ([64, 128, 256, 512]) or a narrower ResNet of the same depth.</summary>
    public int[] Widths { get; init; } = [64, 128, 256, 512];
    /// <summary>Crop of the input image (H, W): random in training, the centre when acting (DP's eval_fixed_crop).</summary>
    public int[] Crop { get; init; } = [84, 84];
    /// <summary>Spatial-softmax keypoints (robomimic's num_kp, DP: 32).</summary>
    public int Keypoints { get; init; } = 32;
    /// <summary>Linear layer after the keypoints (robomimic's feature_dimension, DP: 64).</summary>
    public int FeatureDim { get; init; } = 64;

    public static VisionConfig DiffusionPolicy => new();

    public void Validate(int[] imageShape)
    {
        if (Widths is not { Length: 4 } || Widths.Any(w => w < 16 || w % 16 != 0)) throw new ArgumentException($"policy.vision.widths must be 4 multiples of 16, got [{string.Join(",", Widths ?? [])}]");
        if (Crop is not { Length: 2 } || Crop[0] > imageShape[0] || Crop[1] > imageShape[1])
            throw new ArgumentException($"policy.vision.crop must be [h, w] with h <= {imageShape[0]} and w <= {imageShape[1]} (the image), got [{string.Join(",", Crop ?? [])}]");
        // The trunk divides the size by 32; a 1x1 map leaves the spatial softmax nothing to locate.
        if (Crop[0] < 33 || Crop[1] < 33)
            throw new ArgumentException($"policy.vision.crop [{Crop[0]}, {Crop[1]}] leaves the ResNet a 1x1 map (it divides by 32): crop at least 33 pixels a side");
        if (Keypoints < 1 || Keypoints > 1024) throw new ArgumentException($"policy.vision.keypoints ({Keypoints}) must be in 1..1024");
        if (FeatureDim < 1 || FeatureDim > 4096) throw new ArgumentException($"policy.vision.feature_dim ({FeatureDim}) must be in 1..4096");
    }
}

/// <summary>
/// One camera's encoder, as Diffusion Policy builds it from robomimic (<c>ObservationEncoder</c> → <c>VisualCore</c>:
/// <c>CropRandomizer</c>, ResNet18Conv, SpatialSoftmax, flatten, Linear): uint8 or 0..255 images (N, 3, H, W) are scaled to
/// [-1, 1] (DP's image range normalizer), cropped (random crops per image in training, the centre when acting), and mapped to
/// (N, feature_dim).
/// </summary>
public sealed class ImageEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ResNetTrunk backbone;
    private readonly SpatialSoftmax pool;
    private readonly Linear linear;
    private readonly int _cropH, _cropW;

    public int FeatureDim { get; }

    public ImageEncoder(VisionConfig config, int[] imageShape) : base(nameof(ImageEncoder))
    {
        config.Validate(imageShape);
        (_cropH, _cropW) = (config.Crop[0], config.Crop[1]);
        backbone = new ResNetTrunk(config.Widths, imageShape[2]);
        // The trunk halves the size five times (stride-2 stem convolution and max pool, three stride-2 stages), rounding up.
        int Out(int size) { for (int i = 0; i < 5; i++) size = (size + 1) / 2; return size; }
        pool = new SpatialSoftmax(backbone.OutChannels, Out(_cropH), Out(_cropW), config.Keypoints);
        linear = nn.Linear(2 * config.Keypoints, config.FeatureDim);
        FeatureDim = config.FeatureDim;
        RegisterComponents();
    }

    /// <summary>Pixels 0..255 (uint8 or float) to [-1, 1] float32: Diffusion Policy's image range normalizer after its /255.</summary>
    public static Tensor ToSymmetricRange(Tensor pixels) => pixels.to_type(ScalarType.Float32) / 127.5f - 1f;

    /// <summary>Centre crop (acting).</summary>
    public override Tensor forward(Tensor images) => Encode(images, null);

    /// <summary>Features (N, feature_dim) of images (N, C, H, W); with a generator each image gets its own random crop (training).</summary>
    public Tensor Encode(Tensor images, Generator? randomCrop)
    {
        using var scope = torch.NewDisposeScope();
        var x = ToSymmetricRange(images);
        x = randomCrop == null ? Crops.Center(x, _cropH, _cropW) : Crops.Random(x, _cropH, _cropW, randomCrop);
        var features = linear.forward(pool.forward(backbone.forward(x)));
        return features.MoveToOuterDisposeScope();
    }
}

/// <summary>Crops of image batches (N, C, H, W), as robomimic's CropRandomizer: random per image in training, the centre at evaluation.</summary>
public static class Crops
{
    public static Tensor Center(Tensor x, int h, int w)
    {
        long top = (x.shape[2] - h) / 2, left = (x.shape[3] - w) / 2;
        return x[.., .., (int)top..(int)(top + h), (int)left..(int)(left + w)];
    }

    /// <summary>Each image its own offset, uniform over the positions where the crop fits.</summary>
    public static Tensor Random(Tensor x, int h, int w, Generator generator)
    {
        long n = x.shape[0], rows = x.shape[2] - h + 1, cols = x.shape[3] - w + 1;
        using var tops = RandomDraws.Integers(0, rows, [n], generator, CPU);
        using var lefts = RandomDraws.Integers(0, cols, [n], generator, CPU);
        var top = tops.data<long>().ToArray();
        var left = lefts.data<long>().ToArray();
        var crops = new Tensor[n];
        for (int i = 0; i < n; i++) crops[i] = x[i, .., (int)top[i]..(int)(top[i] + h), (int)left[i]..(int)(left[i] + w)];
        return torch.stack(crops);
    }
}
