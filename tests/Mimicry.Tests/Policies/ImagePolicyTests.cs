using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn.Vision;
using Mimicry.Numerics;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Policies;

/// <summary>A policy that sees: the state says nothing, only the image says which way to go.</summary>
public class ImagePolicyTests
{
    private const int Size = 48;

    /// <summary>
    /// A fork whose side is hidden from the state: every episode starts at the same state (small noise), a bright goal disc is drawn
    /// on the left or the right of the image, and the demonstrator moves toward it (action x = -1 or +1, y = 0.5 for 12 steps).
    /// </summary>
    private static EpisodeDataset HiddenSideFork(int episodes, int seed)
    {
        const int length = 12;
        var rng = new Random(seed);
        int frames = episodes * length;
        var state = new float[frames * 2];
        var action = new float[frames * 2];
        var images = new byte[frames * Size * Size * 3];
        var ends = new long[episodes];
        for (int e = 0; e < episodes; e++)
        {
            int side = e % 2 == 0 ? -1 : 1;
            for (int t = 0; t < length; t++)
            {
                int f = e * length + t;
                state[f * 2] = (float)(rng.NextDouble() * 0.01);
                state[f * 2 + 1] = (float)(rng.NextDouble() * 0.01);
                action[f * 2] = side;
                action[f * 2 + 1] = 0.5f;
                int cx = side < 0 ? 10 : Size - 11, cy = 14 + rng.Next(20);
                for (int y = 0; y < Size; y++)
                    for (int x = 0; x < Size; x++)
                    {
                        int i = ((f * Size + y) * Size + x) * 3;
                        bool goal = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 36;
                        images[i] = goal ? (byte)240 : (byte)30;
                        images[i + 1] = goal ? (byte)200 : (byte)30;
                        images[i + 2] = (byte)(goal ? 40 : 30 + y);
                    }
            }
            ends[e] = (e + 1) * length;
        }
        var features = new[]
        {
            new FeatureInfo(FeatureKeys.State, FeatureDType.Float32, [2]),
            new FeatureInfo(FeatureKeys.Image, FeatureDType.UInt8Image, [Size, Size, 3]),
            new FeatureInfo(FeatureKeys.Action, FeatureDType.Float32, [2]),
        };
        var d = new EpisodeDataset(features, ends, new Dictionary<string, float[]> { [FeatureKeys.State] = state, [FeatureKeys.Action] = action },
            new Dictionary<string, byte[]> { [FeatureKeys.Image] = images }, fps: 10, task: "hidden side");
        d.Stats = DatasetStats.Compute(d);
        return d;
    }

    private static DiffusionConfig TinyImageDiffusion() => new()
    {
        ObservationKey = FeatureKeys.State,
        ImageKeys = [FeatureKeys.Image],
        ImageShape = [Size, Size, 3],
        Vision = new VisionConfig { Widths = [16, 16, 32, 32], Crop = [40, 40], Keypoints = 8, FeatureDim = 16 },
        NObsSteps = 2, Horizon = 8, NActionSteps = 4,
        DownDims = [32, 64], DiffusionStepEmbedDim = 32,
        Sampler = SamplerKind.Ddim, NumInferenceSteps = 10,
    };

    [Fact]
    public void A_tiny_image_diffusion_policy_learns_the_side_only_the_image_shows() =>
        // 600 steps at lr 1e-3: |mean x| 0.86-0.94 for torch seeds 0, 3, 5, 7, 11 (300 steps were not enough for seed 7).
        AssertLearnsTheHiddenSide(TinyImageDiffusion(), c => new DiffusionPolicy((DiffusionConfig)c, PolicyNormalizers.From(HiddenSideFork(2, 0).Stats!, c)), steps: 600);

    [Fact]
    public void A_tiny_image_act_learns_the_side_only_the_image_shows() =>
        AssertLearnsTheHiddenSide(new Mimicry.Policies.Act.ActConfig
        {
            ObservationKey = FeatureKeys.State, RobotStateDim = 2,
            ImageKeys = [FeatureKeys.Image], ImageShape = [Size, Size, 3], BackboneWidths = [16, 16, 32, 32],
            Horizon = 8, NActionSteps = 8, DimModel = 32, NHeads = 4, DimFeedforward = 64,
            NEncoderLayers = 1, NDecoderLayers = 1, NVaeEncoderLayers = 1, LatentDim = 4, Dropout = 0, KlWeight = 1,
        }, c => new Mimicry.Policies.Act.ActPolicy((Mimicry.Policies.Act.ActConfig)c, PolicyNormalizers.From(HiddenSideFork(2, 0).Stats!, c)), steps: 300);

    /// <summary>Trains on the hidden-side fork and checks that fresh frames of each side send the action that way (mean x beyond ±0.5).</summary>
    private static void AssertLearnsTheHiddenSide(PolicyConfig config, Func<PolicyConfig, IChunkingPolicy> create, int steps)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var data = HiddenSideFork(16, seed: 1);
        config.CheckData(data, "test");
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        Assert.DoesNotContain(FeatureKeys.Image, normalizers.Features.Keys); // cameras are scaled by their encoder, not normalized
        using var policy = create(config);
        var loader = new BatchLoader(data, Enumerable.Range(0, data.Episodes).ToList(), config.TrainingWindow, normalizers.All(), batchSize: 32, seed: 0);
        var optimizer = torch.optim.AdamW(policy.Network.parameters(), lr: 1e-3);
        using var generator = RandomDraws.Seeded(0);
        for (int step = 0; step < steps; step++)
        {
            using var s = torch.NewDisposeScope();
            using var batch = loader.Next();
            optimizer.zero_grad();
            policy.ComputeLoss(batch, generator).Loss.backward();
            optimizer.step();
        }
        // Act on fresh frames of each side, as the environment gives them: (B, To, H·W·C) floats 0..255.
        var test = HiddenSideFork(2, seed: 99);
        var image = test.Image(FeatureKeys.Image);
        int frame = Size * Size * 3, to = config.NObsSteps;
        foreach (var (episode, side) in new[] { (0, -1), (1, +1) })
        {
            var pixels = image.AsSpan(episode * 12 * frame, to * frame).ToArray().Select(b => (float)b).ToArray();
            var window = new Dictionary<string, Tensor>
            {
                [FeatureKeys.State] = torch.zeros(8, to, 2),
                [FeatureKeys.Image] = torch.tensor(pixels).reshape(1, to, frame).expand(8, to, frame),
            };
            using var g = RandomDraws.Seeded(episode);
            var chunk = policy.PredictChunk(window, g);                        // (8, n, 2)
            float x = chunk[.., .., 0].mean().item<float>();
            Assert.True(side * x > 0.5f, $"{config.Name}, side {side}: mean action x {x:0.00}");
        }
    }

    [Fact]
    public void Flow_matching_reads_cameras_through_the_same_encoder()
    {
        using var scope = torch.NewDisposeScope();
        var data = HiddenSideFork(4, seed: 2);
        var d = TinyImageDiffusion();
        var config = new Mimicry.Policies.Flow.FlowConfig
        {
            ObservationKey = d.ObservationKey, ImageKeys = d.ImageKeys, ImageShape = d.ImageShape, Vision = d.Vision,
            NObsSteps = 2, Horizon = 8, NActionSteps = 4, DownDims = [32, 64], DiffusionStepEmbedDim = 32, NumInferenceSteps = 4,
        };
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        using var policy = new Mimicry.Policies.Flow.FlowPolicy(config, normalizers);
        Assert.Contains(policy.Network.named_parameters(), p => p.name.StartsWith("encoders.0."));
        var loader = new BatchLoader(data, Enumerable.Range(0, data.Episodes).ToList(), config.TrainingWindow, normalizers.All(), batchSize: 8, seed: 0);
        using var batch = loader.Next();
        using var g = RandomDraws.Seeded(0);
        var loss = policy.ComputeLoss(batch, g).Loss;
        loss.backward();
        // The encoder is trained through the flow loss: its first convolution gets a gradient.
        Assert.Contains(policy.Network.named_parameters(), p => p.name.StartsWith("encoders.0.") && p.parameter.grad is { } grad && grad.abs().sum().item<float>() > 0);
        int frame = Size * Size * 3;
        var window = new Dictionary<string, Tensor> { [FeatureKeys.State] = torch.zeros(3, 2, 2), [FeatureKeys.Image] = torch.full(3, 2, frame, 100f) };
        Assert.Equal(new long[] { 3, 7, 2 }, policy.PredictChunk(window, g).shape); // H - To + 1 = 7 actions from the newest frame
    }

    [Fact]
    public void Image_policies_need_a_policy_that_reads_cameras_and_images_of_the_declared_shape()
    {
        var data = HiddenSideFork(2, seed: 0);
        var wrongShape = TinyImageDiffusion() with { ImageShape = [64, 64, 3] };
        Assert.Contains("policy.image_shape is [64, 64, 3]", Assert.Throws<ArgumentException>(() => wrongShape.CheckData(data, "test")).Message);
        var bc = new Mimicry.Policies.Bc.BcConfig { ObservationKey = FeatureKeys.State, ImageKeys = [FeatureKeys.Image], ImageShape = [Size, Size, 3] };
        var e = Assert.Throws<ArgumentException>(() => new Mimicry.Policies.Bc.BcPolicy(bc, PolicyNormalizers.From(data.Stats!, bc)));
        Assert.Contains("reads neither cameras", e.Message);
        var crop = TinyImageDiffusion() with { Vision = new VisionConfig { Crop = [56, 56] } };
        Assert.Contains("policy.vision.crop", Assert.Throws<ArgumentException>(() => crop.Validate()).Message);
    }
}
