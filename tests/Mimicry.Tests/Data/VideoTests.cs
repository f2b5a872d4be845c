using Mimicry.Data.Video;

namespace Mimicry.Tests.Data;

public class VideoTests
{
    /// <summary>Frame k: a smooth background whose shade follows k and a 12x12 white square at x = 4k mod (w - 12): every frame differs.</summary>
    internal static byte[] MovingSquare(int frames, int w = 32, int h = 24)
    {
        var result = new byte[frames * w * h * 3];
        for (int k = 0; k < frames; k++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = ((k * h + y) * w + x) * 3;
                    int sx = 4 * k % (w - 12), sy = h / 2 - 6;
                    bool square = x >= sx && x < sx + 12 && y >= sy && y < sy + 12;
                    result[i] = square ? (byte)255 : (byte)(40 + 5 * k % 100);
                    result[i + 1] = square ? (byte)255 : (byte)(2 * x);
                    result[i + 2] = square ? (byte)255 : (byte)(3 * y);
                }
        return result;
    }

    private static string Temp() => Directory.CreateTempSubdirectory("mimicry-video-").FullName;

    [Fact]
    public void LosslessH264DecodesEveryFrameAtItsTimestamp()
    {
        string dir = Temp();
        var frames = MovingSquare(30);
        string path = Path.Combine(dir, "a.mp4");
        VideoEncoder.Encode(path, frames, 0, 30, 32, 24, 10, VideoCodec.H264Lossless);
        var probe = VideoProbe.Of(path);
        Assert.Equal((32, 24, 30L, "h264"), (probe.Width, probe.Height, probe.Frames, probe.Codec));
        int size = 32 * 24 * 3;
        // Random access: each timestamp gives exactly the frame written there (frame-accurate seek past keyframes).
        foreach (int k in new[] { 0, 1, 7, 13, 29 })
            Assert.Equal(frames.AsSpan(k * size, size).ToArray(), VideoDecoder.Decode(path, k / 10.0, 1, 32, 24, 10));
        // A run of frames from the middle.
        Assert.Equal(frames.AsSpan(11 * size, 9 * size).ToArray(), VideoDecoder.Decode(path, 1.1, 9, 32, 24, 10));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Av1IsLossyWithinAStatedBound()
    {
        string dir = Temp();
        var frames = MovingSquare(20, 96, 64);
        string path = Path.Combine(dir, "a.mp4");
        VideoEncoder.Encode(path, frames, 0, 20, 96, 64, 10, VideoCodec.Av1);
        Assert.Equal("av1", VideoProbe.Of(path).Codec);
        var decoded = VideoDecoder.Decode(path, 0, 20, 96, 64, 10);
        int size = 96 * 64 * 3;
        for (int k = 0; k < 20; k++)
        {
            // crf 30, yuv420p: colour edges of a 12-pixel square blur, so the bound is on the mean; and the frame decoded at
            // time k/10 is closer to frame k than to its neighbours (the right frame, not an off-by-one).
            double Mean(int j) => Enumerable.Range(0, size).Average(i => Math.Abs(decoded[k * size + i] - frames[j * size + i]));
            Assert.True(Mean(k) < 8, $"frame {k}: mean abs error {Mean(k):0.00}");
            if (k > 0) Assert.True(Mean(k) < Mean(k - 1), $"frame {k} looks like frame {k - 1}");
            if (k < 19) Assert.True(Mean(k) < Mean(k + 1), $"frame {k} looks like frame {k + 1}");
        }
        Directory.Delete(dir, true);
    }

    [Fact]
    public void BadVideosAreOneLineNamingTheFile()
    {
        string dir = Temp();
        var frames = MovingSquare(20);
        string path = Path.Combine(dir, "a.mp4");
        VideoEncoder.Encode(path, frames, 0, 20, 32, 24, 10, VideoCodec.H264);
        // Past the end.
        var e1 = Assert.Throws<InvalidDataException>(() => VideoDecoder.Decode(path, 1.8, 5, 32, 24, 10));
        Assert.Contains("a.mp4", e1.Message);
        Assert.Contains("gave 2 of 5 frames", e1.Message);
        // Wrong frame size.
        var e2 = Assert.Throws<InvalidDataException>(() => VideoDecoder.Decode(path, 0, 2, 16, 24, 10));
        Assert.Contains("a.mp4", e2.Message);
        // Missing.
        var e3 = Assert.Throws<FileNotFoundException>(() => VideoDecoder.Decode(Path.Combine(dir, "gone.mp4"), 0, 1, 32, 24, 10));
        Assert.Contains("gone.mp4", e3.Message);
        // Truncated: the probe and the decoder refuse it.
        string cut = Path.Combine(dir, "cut.mp4");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var e4 = Assert.Throws<InvalidDataException>(() => VideoProbe.Of(cut));
        Assert.Contains("cut.mp4", e4.Message);
        Assert.DoesNotContain("\n", e4.Message);
        Assert.Throws<InvalidDataException>(() => VideoDecoder.Decode(cut, 0, 20, 32, 24, 10));
        // Garbage.
        string junk = Path.Combine(dir, "junk.mp4");
        File.WriteAllBytes(junk, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        Assert.Contains("junk.mp4", Assert.Throws<InvalidDataException>(() => VideoProbe.Of(junk)).Message);
        // Off the frame grid.
        Assert.Contains("not on a frame", Assert.Throws<InvalidDataException>(() => VideoDecoder.FrameOf(0.1503, 10, "x")).Message);
        Assert.Equal(15, VideoDecoder.FrameOf(1.50004, 10, "x"));
        Directory.Delete(dir, true);
    }
}
