namespace Mimicry.Data;

/// <summary>
/// The frames of one image feature, H x W x C uint8 each: held in memory, or decoded from video on demand
/// (<see cref="Video.VideoFrames"/>). The batch loader copies single frames and announces ahead which it will want.
/// </summary>
public abstract class ImageFrames
{
    protected ImageFrames(int height, int width, int channels, long frames)
    {
        Height = height; Width = width; Channels = channels; Count = frames;
    }

    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    /// <summary>Frames in the dataset.</summary>
    public long Count { get; }
    public int FrameBytes => Height * Width * Channels;

    /// <summary>Frame <paramref name="frame"/> (a dataset-wide index) as H x W x C bytes.</summary>
    public abstract void CopyFrame(long frame, Span<byte> dest);

    /// <summary>A hint that these frames will be read soon (a video source decodes them on worker threads).</summary>
    public virtual void Prefetch(IEnumerable<long> frames) { }

    /// <summary>Every frame, frames x H x W x C (a video source decodes the whole feature).</summary>
    public abstract byte[] All();

    /// <summary>Feeds what identifies the frames' content into a dataset fingerprint.</summary>
    public abstract void Hash(System.Security.Cryptography.IncrementalHash hash);
}

/// <summary>Frames held in one array, frames x H x W x C.</summary>
public sealed class MemoryFrames(byte[] bytes, int height, int width, int channels)
    : ImageFrames(height, width, channels, bytes.LongLength / Math.Max(1, height * width * channels))
{
    public byte[] Bytes { get; } = bytes;

    public override void CopyFrame(long frame, Span<byte> dest) => Bytes.AsSpan(checked((int)(frame * FrameBytes)), FrameBytes).CopyTo(dest);

    public override byte[] All() => Bytes;

    public override void Hash(System.Security.Cryptography.IncrementalHash hash) => hash.AppendData(Bytes);
}
