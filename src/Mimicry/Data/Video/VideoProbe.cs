using Mimicry.Runtime;
using System.Text.Json.Nodes;

namespace Mimicry.Data.Video;

/// <summary>What <c>ffprobe</c> says of a video file's first video stream.</summary>
/// <param name="Codec">ffmpeg's codec name ("av1", "h264").</param>
/// <param name="Frames">Frames in the stream (the container's count).</param>
/// <param name="Duration">Seconds, from the container.</param>
public sealed record VideoProbe(string Path, string Codec, int Width, int Height, string PixelFormat, double Fps, long Frames, double Duration)
{
    /// <summary>Probes <paramref name="path"/>; a missing, truncated or corrupt file is one line naming it.</summary>
    public static VideoProbe Of(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: video file is missing", path);
        var (p, errors) = Ffmpeg.Start("ffprobe", ["-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,pix_fmt,r_frame_rate,nb_frames:format=duration", "-of", "json", path], input: false);
        string json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string err = errors();
        if (p.ExitCode != 0) throw new InvalidDataException($"{path}: not a readable video ({Ffmpeg.LastLine(err, $"ffprobe exit {p.ExitCode}")})");
        try
        {
            var root = JsonNode.Parse(json)!;
            var s = root["streams"]?.AsArray().FirstOrDefault() ?? throw new InvalidDataException($"{path}: has no video stream");
            var rate = s["r_frame_rate"]!.GetValue<string>().Split('/');
            double fps = double.Parse(rate[0], System.Globalization.CultureInfo.InvariantCulture) / (rate.Length > 1 ? double.Parse(rate[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
            long frames = s["nb_frames"] is JsonValue n && long.TryParse(n.GetValue<string>(), out var f) ? f : -1;
            double duration = root["format"]?["duration"] is JsonValue d && double.TryParse(d.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var du) ? du : double.NaN;
            if (err.Length > 0 && frames < 0) throw new InvalidDataException($"{path}: not a readable video ({Ffmpeg.LastLine(err, "")})");
            return new VideoProbe(path, s["codec_name"]?.GetValue<string>() ?? "?", s["width"]!.GetValue<int>(), s["height"]!.GetValue<int>(),
                s["pix_fmt"]?.GetValue<string>() ?? "?", fps, frames, duration);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{path}: ffprobe's description of the video stream is incomplete ({e.Message})", e);
        }
    }
}
