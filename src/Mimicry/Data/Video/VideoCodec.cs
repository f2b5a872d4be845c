namespace Mimicry.Data.Video;

/// <summary>How frames are encoded.</summary>
public enum VideoCodec
{
    /// <summary>LeRobot's default (configs/video.py): libsvtav1, yuv420p, g=2, crf=30, preset 12. Lossy.</summary>
    Av1,
    /// <summary>libx264, yuv420p, g=2, crf=23: plays everywhere. Lossy.</summary>
    H264,
    /// <summary>libx264rgb at qp 0 in RGB: every pixel back exactly (tests, archives).</summary>
    H264Lossless,
}

public static class VideoCodecs
{
    /// <summary>ffmpeg's encoder options for a codec (after the input, before the output file).</summary>
    public static string[] EncoderArgs(VideoCodec codec) => codec switch
    {
        VideoCodec.Av1 => ["-c:v", "libsvtav1", "-pix_fmt", "yuv420p", "-g", "2", "-crf", "30", "-preset", "12"],
        VideoCodec.H264 => ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "2", "-crf", "23"],
        VideoCodec.H264Lossless => ["-c:v", "libx264rgb", "-pix_fmt", "rgb24", "-g", "2", "-qp", "0"],
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, null),
    };

    /// <summary>The codec name written in info.json's video.codec (LeRobot's: the ffmpeg codec name).</summary>
    public static string InfoName(VideoCodec codec) => codec == VideoCodec.Av1 ? "av1" : "h264";

    public static string PixelFormat(VideoCodec codec) => codec == VideoCodec.H264Lossless ? "rgb24" : "yuv420p";

    public static VideoCodec Parse(string text) => text.ToLowerInvariant() switch
    {
        "av1" => VideoCodec.Av1,
        "h264" => VideoCodec.H264,
        "h264-lossless" => VideoCodec.H264Lossless,
        _ => throw new ArgumentException($"video codec '{text}' is not one of av1, h264, h264-lossless"),
    };
}
