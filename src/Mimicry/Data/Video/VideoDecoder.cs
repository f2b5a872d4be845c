using Mimicry.Runtime;
using System.Globalization;

namespace Mimicry.Data.Video;

/// <summary>
/// Decodes frames by timestamp through ffmpeg, frame-accurately: ffmpeg seeks to the keyframe before the requested time and
/// decodes forward, dropping frames before it (its default accurate seek; LeRobot's PyAV path does the same by hand,
/// datasets/video_utils.py). The seek point is half a frame before the first wanted frame, so float rounding of timestamps
/// cannot drop or add a frame.
/// </summary>
public static class VideoDecoder
{
    /// <summary>LeRobot's tolerance between a requested timestamp and a frame's (tolerance_s).</summary>
    public const double ToleranceS = 1e-4;

    /// <summary>
    /// <paramref name="count"/> consecutive frames from time <paramref name="from"/> (seconds, on the frame grid of
    /// <paramref name="fps"/>), as count x H x W x 3 RGB bytes written into <paramref name="dest"/>. Fewer frames than asked
    /// (a time past the file's end, a truncated file) or a decoding error: one line naming the file and time.
    /// </summary>
    public static void Decode(string path, double from, int count, int width, int height, double fps, Span<byte> dest, string? where = null)
    {
        where ??= path;
        long frameBytes = (long)width * height * 3;
        if (dest.Length != count * frameBytes) throw new ArgumentException($"{where}: {dest.Length} bytes for {count} frames of {width}x{height}");
        if (!File.Exists(path)) throw new FileNotFoundException($"{where}: video file {path} is missing", path);
        if (from < -ToleranceS) throw new InvalidDataException($"{where}: timestamp {from:0.####} s is before the start of {path}");
        double seek = Math.Max(0, from - 0.5 / fps);
        var args = new List<string> { "-v", "error", "-xerror" };
        if (seek > 0) args.AddRange(["-ss", seek.ToString("0.######", CultureInfo.InvariantCulture)]);
        args.AddRange(["-threads", "1", "-i", path, "-frames:v", $"{count}", "-fps_mode", "passthrough", "-an",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        var (p, errors) = Ffmpeg.Start("ffmpeg", args, input: false);
        var stdout = p.StandardOutput.BaseStream;
        int read = 0;
        // Straight into the destination; one byte more is asked for at the end, to catch a stream longer than expected.
        Span<byte> extra = stackalloc byte[1];
        while (true)
        {
            int n = read < dest.Length ? stdout.Read(dest[read..]) : stdout.Read(extra);
            if (n == 0) break;
            read += n;
            if (read > dest.Length) break;
        }
        if (read > dest.Length) { try { p.Kill(); } catch (InvalidOperationException) { } }
        p.WaitForExit();
        string err = errors();
        int exit = p.ExitCode;
        p.Dispose();
        if (exit != 0 && read < dest.Length)
            throw new InvalidDataException($"{where}: cannot decode {path} at {from:0.####} s ({Ffmpeg.LastLine(err, $"ffmpeg exit {exit}")})");
        if (read != dest.Length)
        {
            long got = read / frameBytes;
            throw new InvalidDataException($"{where}: {path} gave {got} of {count} frames from {from:0.####} s " +
                (err.Length > 0 ? $"({Ffmpeg.LastLine(err, "")})" : $"(timestamps past the end of the file, or frames of another size than {width}x{height})"));
        }
    }

    /// <summary>The frames as a new array.</summary>
    public static byte[] Decode(string path, double from, int count, int width, int height, double fps, string? where = null)
    {
        var result = new byte[(long)count * width * height * 3];
        Decode(path, from, count, width, height, fps, result, where);
        return result;
    }

    /// <summary>The frame index on the <paramref name="fps"/> grid of timestamp <paramref name="t"/>, or an error when t is off the grid by more than <see cref="ToleranceS"/>.</summary>
    public static long FrameOf(double t, double fps, string where)
    {
        double k = Math.Round(t * fps);
        if (Math.Abs(t - k / fps) > ToleranceS)
            throw new InvalidDataException($"{where}: timestamp {t:0.######} s is not on a frame (nearest {k / fps:0.######} s, tolerance {ToleranceS} s)");
        return (long)k;
    }
}
