using Mimicry.Runtime;
using System.Globalization;
using System.Text.Json.Nodes;
using Mimicry.Data.Video;

namespace Mimicry.Data.LeRobot;

/// <summary>
/// The video part of LeRobot v3.0 (lerobot v0.6 datasets/dataset_writer.py, video_utils.py): every camera's frames go to
/// <c>videos/&lt;key&gt;/chunk-XXX/file-YYY.mp4</c>, many episodes per file, a new file once one passes
/// video_files_size_in_mb. As LeRobot does, each episode is encoded on its own and the episodes are concatenated without
/// re-encoding; an episode's <c>from_timestamp</c> is the time its first frame has in the file.
/// </summary>
public static class LeRobotVideos
{
    /// <summary>Where one episode of one camera lies.</summary>
    public sealed record Placement(int Chunk, int File, double From, double To);

    public static string VideoFile(string key, int chunk, int file) => Path.Combine("videos", key, $"chunk-{chunk:000}", $"file-{file:000}.mp4");

    /// <summary>Encodes every episode of image feature <paramref name="key"/> into <paramref name="root"/>'s videos folder; returns each episode's placement.</summary>
    public static Placement[] Write(EpisodeDataset d, string key, string root, VideoCodec codec, long fileBytes, IProgress<int>? progress)
    {
        var frames = d.ImageSource(key);
        string parts = Path.Combine(root, ".video-parts", key.Replace('/', '_'));
        Directory.CreateDirectory(parts);
        int done = 0;
        // Each process is one SVT-AV1 / x264 instance with threads of its own: two at a time keep two cores busy.
        Numerics.Parallelism.For(0, d.Episodes, e =>
        {
            long start = d.EpisodeStart(e);
            int n = d.EpisodeLength(e);
            var frame = new byte[frames.FrameBytes];
            VideoEncoder.Encode(Path.Combine(parts, $"{e}.mp4"), frames.Width, frames.Height, d.Fps, codec, s =>
            {
                for (int t = 0; t < n; t++) { frames.CopyFrame(start + t, frame); s.Write(frame); }
            });
            progress?.Report(Interlocked.Increment(ref done));
        }, maxThreads: Math.Max(1, Environment.ProcessorCount / 2 + 1));

        var placements = new Placement[d.Episodes];
        var group = new List<int>();
        long inFile = 0;
        int fileCount = 0;
        void Flush()
        {
            if (group.Count == 0) return;
            int chunk = fileCount / LeRobotLayout.ChunksSize, file = fileCount % LeRobotLayout.ChunksSize;
            string target = Path.Combine(root, VideoFile(key, chunk, file));
            Concatenate(group.Select(e => Path.Combine(parts, $"{e}.mp4")).ToList(), target);
            double t = 0;
            foreach (int e in group)
            {
                double length = d.EpisodeLength(e) / (double)d.Fps;
                placements[e] = new Placement(chunk, file, t, t + length);
                t += length;
            }
            fileCount++;
            group.Clear();
            inFile = 0;
        }
        for (int e = 0; e < d.Episodes; e++)
        {
            long size = new FileInfo(Path.Combine(parts, $"{e}.mp4")).Length;
            if (group.Count > 0 && inFile + size > fileBytes) Flush();
            group.Add(e);
            inFile += size;
        }
        Flush();
        Directory.Delete(Path.Combine(root, ".video-parts"), recursive: true);
        return placements;
    }

    /// <summary>Joins mp4 files of one codec and frame size without re-encoding (ffmpeg's concat demuxer, as LeRobot's concatenate_video_files).</summary>
    private static void Concatenate(IReadOnlyList<string> parts, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (parts.Count == 1) { File.Move(parts[0], target); return; }
        string list = target + ".txt";
        File.WriteAllLines(list, parts.Select(p => $"file '{Path.GetFullPath(p).Replace("'", "'\\''")}'"));
        var (p, errors) = Ffmpeg.Start("ffmpeg", ["-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-f", "mp4", target], input: false);
        p.StandardOutput.BaseStream.CopyTo(Stream.Null);
        p.WaitForExit();
        File.Delete(list);
        if (p.ExitCode != 0) throw new IOException($"{target}: ffmpeg could not join the episodes' videos ({Ffmpeg.LastLine(errors(), $"exit {p.ExitCode}")})");
    }

    /// <summary>info.json's entry of a video feature (LeRobot's <c>features[key]</c> with its <c>info</c> block).</summary>
    public static JsonObject InfoEntry(FeatureInfo f, int fps, VideoCodec codec) => new()
    {
        ["dtype"] = "video",
        ["shape"] = new JsonArray(f.Shape.Select(s => (JsonNode)s).ToArray()),
        ["names"] = new JsonArray("height", "width", "channels"),
        ["info"] = new JsonObject
        {
            ["video.height"] = f.Shape[0],
            ["video.width"] = f.Shape[1],
            ["video.codec"] = VideoCodecs.InfoName(codec),
            ["video.pix_fmt"] = VideoCodecs.PixelFormat(codec),
            ["video.is_depth_map"] = false,
            ["video.fps"] = fps,
            ["video.channels"] = f.Shape[2],
            ["has_audio"] = false,
        },
    };

    /// <summary>
    /// A video file's path from info.json's <c>video_path</c> template: v3.0's <c>{video_key}</c>, <c>{chunk_index:03d}</c>,
    /// <c>{file_index:03d}</c> (many episodes per file), v2.1's <c>{video_key}</c>, <c>{episode_chunk:03d}</c>,
    /// <c>{episode_index:06d}</c> (one file per episode).
    /// </summary>
    public static string ExpandPath(string template, string key, int chunk, int file, int episode = 0) => template
        .Replace("{video_key}", key)
        .Replace("{chunk_index:03d}", chunk.ToString("000", CultureInfo.InvariantCulture))
        .Replace("{file_index:03d}", file.ToString("000", CultureInfo.InvariantCulture))
        .Replace("{episode_chunk:03d}", (episode / LeRobotLayout.ChunksSize).ToString("000", CultureInfo.InvariantCulture))
        .Replace("{episode_index:06d}", episode.ToString("000000", CultureInfo.InvariantCulture));
}
