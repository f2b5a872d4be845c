using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Data.Sampling;
using Mimicry.Data.Video;
using Mimicry.Tests.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Data;

/// <summary>Declared image features arrive in every batch as uint8 (B, T, C, H, W) with their pad mask, from memory or from video.</summary>
public class ImageBatchTests
{
    private static WindowSpec Window() => new WindowConfig().Spec(
        new InputFeature(FeatureKeys.State, 0, 2), new InputFeature(FeatureKeys.Image, 0, 2), new InputFeature(FeatureKeys.Action, 0, 16));

    private static Dictionary<string, Normalizer> Norms(EpisodeDataset d)
    {
        d.Stats ??= DatasetStats.Compute(d);
        return new()
        {
            [FeatureKeys.State] = Normalizer.Create(d.Stats[FeatureKeys.State], NormalizationMode.Identity),
            [FeatureKeys.Action] = Normalizer.Create(d.Stats[FeatureKeys.Action], NormalizationMode.MinMax),
        };
    }

    /// <summary>Checks each image against the frame its state says (state[0] = 100 * episode + frame), transposed to CHW by hand.</summary>
    private static void AssertImagesMatchState(Batch batch, EpisodeDataset d, byte[] hwc, int w, int h)
    {
        var images = batch[FeatureKeys.Image];
        Assert.Equal(ScalarType.Byte, images.dtype);
        Assert.Equal(new long[] { batch.Size, 2, 3, h, w }, images.shape);
        Assert.Equal(new long[] { batch.Size, 2 }, batch.IsPad[FeatureKeys.Image].shape);
        Assert.Equal(batch.IsPad[FeatureKeys.State].data<bool>().ToArray(), batch.IsPad[FeatureKeys.Image].data<bool>().ToArray());
        var state = batch[FeatureKeys.State].data<float>().ToArray();
        var pixels = images.data<byte>().ToArray();
        int size = w * h * 3;
        for (int i = 0; i < batch.Size; i++)
            for (int k = 0; k < 2; k++)
            {
                int code = (int)state[(i * 2 + k) * 2];
                long frame = d.EpisodeStart(code / 100) + code % 100;
                for (int y = 0; y < h; y += 5)
                    for (int x = 0; x < w; x += 3)
                        for (int c = 0; c < 3; c++)
                            Assert.Equal(hwc[frame * size + (y * w + x) * 3 + c], pixels[(i * 2 + k) * size + c * h * w + y * w + x]);
            }
    }

    [Fact]
    public void Images_from_memory_and_from_video_arrive_as_uint8_BTCHW_with_pad_masks()
    {
        var d = LeRobotVideoTests.WithImages(32, 24, 30, 25, 18);
        var hwc = d.Image(FeatureKeys.Image);
        using var scope = torch.NewDisposeScope();
        var memory = new BatchLoader(d, [0, 1, 2], Window(), Norms(d), batchSize: 16, seed: 4);
        var fromMemory = Enumerable.Range(0, 6).Select(_ => memory.Next()).ToList();
        foreach (var b in fromMemory) AssertImagesMatchState(b, d, hwc, 32, 24);
        Assert.Contains(fromMemory, b => b.IsPad[FeatureKeys.Image].any().item<bool>()); // windows at an episode's start are padded

        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir, "test", videoCodec: VideoCodec.H264Lossless, videoFileBytes: 1);
            // A cache of one episode's frames: every batch decodes again, and still gives the same bytes.
            var v = LeRobotDataset.Load(dir, video: new LeRobotDataset.VideoOptions(CacheBytes: 30 * 32 * 24 * 3, Workers: 2));
            Assert.True(v.IsVideo(FeatureKeys.Image));
            var video = new BatchLoader(v, [0, 1, 2], Window(), Norms(v), batchSize: 16, seed: 4);
            foreach (var expected in fromMemory)
            {
                using var b = video.Next();
                Assert.Equal(expected[FeatureKeys.Image].data<byte>().ToArray(), b[FeatureKeys.Image].data<byte>().ToArray());
                AssertImagesMatchState(b, v, hwc, 32, 24);
            }
            Assert.True(((VideoFrames)v.ImageSource(FeatureKeys.Image)).Decoded > 3, "a one-episode cache decodes more than once per episode");
        }
        finally { TempDirs.Delete(dir); }
    }
}
