using Mimicry.Runtime;
namespace Mimicry.Data.Video;

/// <summary>Encodes raw RGB frames (H x W x 3 bytes each) into an mp4 through ffmpeg, written to a temporary file and renamed.</summary>
public static class VideoEncoder
{
    /// <summary>
    /// Writes <paramref name="path"/>: <paramref name="writeFrames"/> is handed ffmpeg's input and writes the frames, in order, as
    /// H x W x 3 bytes each; frame k gets timestamp k / fps.
    /// </summary>
    public static void Encode(string path, int width, int height, int fps, VideoCodec codec, Action<Stream> writeFrames)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"{path}: frame size {width}x{height} is not positive");
        if (codec != VideoCodec.H264Lossless && (width % 2 != 0 || height % 2 != 0))
            throw new ArgumentException($"{path}: {VideoCodecs.InfoName(codec)} in yuv420p needs even frame sizes, got {width}x{height} (use h264-lossless)");
        if (codec == VideoCodec.Av1 && (width < 64 || height < 64))
            throw new ArgumentException($"{path}: libsvtav1 encodes frames of at least 64x64, got {width}x{height} (use h264)");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp.mp4";
        string[] args = ["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-r", $"{fps}", "-i", "pipe:0",
            .. VideoCodecs.EncoderArgs(codec), "-an", "-f", "mp4", tmp];
        var (p, errors) = Ffmpeg.Start("ffmpeg", args, input: true);
        var drain = Ffmpeg.Drain(p.StandardOutput.BaseStream);
        try
        {
            using (var stdin = p.StandardInput.BaseStream) writeFrames(stdin);
        }
        catch (IOException) { /* ffmpeg quit early: its error follows */ }
        catch
        {
            try { p.Kill(); } catch (InvalidOperationException) { }
            p.WaitForExit();
            File.Delete(tmp);
            throw;
        }
        p.WaitForExit();
        drain.Join();
        if (p.ExitCode != 0)
        {
            File.Delete(tmp);
            throw new IOException($"{path}: ffmpeg could not encode ({Ffmpeg.LastLine(errors(), $"exit {p.ExitCode}")})");
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Encodes <paramref name="count"/> frames of a frames x H x W x 3 array from frame <paramref name="first"/>.</summary>
    public static void Encode(string path, byte[] frames, long first, int count, int width, int height, int fps, VideoCodec codec)
    {
        long size = (long)width * height * 3;
        if ((first + count) * size > frames.LongLength) throw new ArgumentException($"{path}: frames {first}..{first + count} are past the {frames.LongLength / size} given");
        Encode(path, width, height, fps, codec, s => s.Write(frames, (int)(first * size), (int)(count * size)));
    }
}
