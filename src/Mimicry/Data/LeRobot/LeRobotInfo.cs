using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mimicry.Data.LeRobot;

/// <summary>
/// The LeRobot v2.1 layout: <c>meta/info.json</c>, <c>meta/episodes.jsonl</c>, <c>meta/tasks.jsonl</c>,
/// <c>meta/stats.json</c> and one parquet file per episode under
/// <c>data/chunk-{chunk:03d}/episode_{index:06d}.parquet</c> (huggingface/lerobot,
/// lerobot/common/datasets/lerobot_dataset.py and utils.py, CODEBASE_VERSION "v2.1").
/// </summary>
/// <summary>The on-disk versions Mimicry reads and writes.</summary>
public enum LeRobotFormat
{
    /// <summary>LeRobot v2.1: one parquet file per episode, jsonl metadata (openpi's pinned LeRobot).</summary>
    V21,
    /// <summary>LeRobot v3.0: many episodes per parquet file, parquet metadata (LeRobot ≥ 0.4).</summary>
    V30,
}

public static class LeRobotLayout
{
    public const string CodebaseVersion = "v2.1";
    public const int ChunksSize = 1000;
    public const string DataPath = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet";
    public const string InfoPath = "meta/info.json";
    /// <summary>v2.1's video files: one per episode and camera.</summary>
    public const string VideoPath = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4";


    public const string EpisodesPath = "meta/episodes.jsonl";
    public const string TasksPath = "meta/tasks.jsonl";
    public const string StatsPath = "meta/stats.json";

    /// <summary>LeRobot's int64 index columns.</summary>
    public static readonly string[] IndexColumns = ["frame_index", "episode_index", "index", "task_index"];

    /// <summary>Per-frame bookkeeping columns LeRobot adds to every dataset.</summary>
    public static readonly string[] Bookkeeping = ["timestamp", .. IndexColumns];

    /// <summary>The features written as data columns: not bookkeeping, not derived on load (return_to_go).</summary>
    public static IEnumerable<FeatureInfo> StoredFeatures(EpisodeDataset d) =>
        d.Features.Where(f => !Bookkeeping.Contains(f.Name) && !DerivedFeatures.Names.Contains(f.Name));

    public static string EpisodeFile(int episode) =>
        Path.Combine("data", $"chunk-{episode / ChunksSize:000}", $"episode_{episode:000000}.parquet");

    public static string DType(FeatureDType t) => t switch
    {
        FeatureDType.Float32 => "float32",
        FeatureDType.Bool => "bool",
        FeatureDType.UInt8Image => "image",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static JsonObject Info(EpisodeDataset d, string robotType)
    {
        var features = new JsonObject();
        foreach (var f in LeRobotLayout.StoredFeatures(d))
        {
            JsonNode? names = f.IsImage ? new JsonArray("height", "width", "channel")
                : f.Names != null ? new JsonObject { ["motors"] = new JsonArray(f.Names.Select(n => (JsonNode)n!).ToArray()) } : null;
            features[f.Name] = new JsonObject
            {
                ["dtype"] = DType(f.DType),
                ["shape"] = new JsonArray(f.Shape.Select(s => (JsonNode)s).ToArray()),
                ["names"] = names,
            };
        }
        features["timestamp"] = Scalar("float32");
        foreach (var k in LeRobotLayout.IndexColumns) features[k] = Scalar("int64");
        return new JsonObject
        {
            ["codebase_version"] = CodebaseVersion,
            ["robot_type"] = robotType,
            ["total_episodes"] = d.Episodes,
            ["total_frames"] = d.Frames,
            ["total_tasks"] = 1,
            ["total_videos"] = 0,
            ["total_chunks"] = (d.Episodes + ChunksSize - 1) / ChunksSize,
            ["chunks_size"] = ChunksSize,
            ["fps"] = d.Fps,
            ["splits"] = new JsonObject { ["train"] = $"0:{d.Episodes}" },
            ["data_path"] = DataPath,
            ["video_path"] = null,
            ["features"] = features,
            ["mimicry_task"] = d.EnvTask,
        };
    }

    private static JsonObject Scalar(string dtype) => new() { ["dtype"] = dtype, ["shape"] = new JsonArray(1), ["names"] = null };

    /// <summary>What <c>meta/info.json</c> says, read once. EnvTask is Mimicry's task of the episodes ("mimicry_task"), RobotType
    /// LeRobot's robot_type (older files name the task only through it: <c>Tasks.Of</c>); VideoKeys the image features stored as
    /// video (dtype "video"), VideoPath their file template (null when the file has none: the version's default applies).</summary>
    public sealed record Description(List<FeatureInfo> Features, int Fps, int Episodes, long Frames, string? EnvTask, string? RobotType,
        string Version, HashSet<string> VideoKeys, string? VideoPath)
    {
        public bool IsV30 => Version.StartsWith("v3.", StringComparison.Ordinal);
    }

    /// <summary>Reads and checks <c>meta/info.json</c>; errors name the file and field.</summary>
    public static Description ReadInfo(string root)
    {
        string path = Path.Combine(root, InfoPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"not a LeRobot dataset: {path} is missing", path);
        JsonNode? info;
        try { info = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})", e); }
        T Get<T>(JsonNode? node, string field)
        {
            try { return node![field] is { } v ? v.GetValue<T>() : throw new InvalidDataException($"{path}: field '{field}' is missing"); }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            { throw new InvalidDataException($"{path}: field '{field}' is not a {typeof(T).Name}", e); }
        }
        string version = Get<string>(info, "codebase_version");
        if (!version.StartsWith("v2.") && !version.StartsWith("v3.")) throw new InvalidDataException($"{path}: codebase_version '{version}' is not supported (v2.0, v2.1, v3.0)");
        int fps = Get<int>(info, "fps");
        int episodes = Get<int>(info, "total_episodes");
        long frames = Get<long>(info, "total_frames");
        if (info!["features"] is not JsonObject fs) throw new InvalidDataException($"{path}: field 'features' is missing");
        var result = new List<FeatureInfo>();
        var videoKeys = new HashSet<string>();
        foreach (var (name, node) in fs)
        {
            if (LeRobotLayout.Bookkeeping.Contains(name)) continue;
            string dtype = Get<string>(node, "dtype");
            int[] shape;
            try { shape = node!["shape"]!.AsArray().Select(s => s!.GetValue<int>()).ToArray(); }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
            { throw new InvalidDataException($"{path}: features.{name}.shape is not a list of integers", e); }
            var type = dtype switch
            {
                "float32" or "float64" or "int64" or "int32" => FeatureDType.Float32,
                "bool" => FeatureDType.Bool,
                "image" => FeatureDType.UInt8Image,
                "video" => FeatureDType.UInt8Image, // frames in videos/ (LeRobotVideos), VideoKeys says which
                "string" => (FeatureDType?)null,
                _ => throw new InvalidDataException($"{path}: features.{name}.dtype '{dtype}' is not supported"),
            };
            if (type == null) continue; // language annotations etc.
            string[]? names = node!["names"] is JsonObject o && o["motors"] is JsonArray m ? m.Select(x => x!.GetValue<string>()).ToArray() : null;
            result.Add(new FeatureInfo(name, type.Value, shape, names));
            if (dtype == "video") videoKeys.Add(name);
        }
        string? envTask = info["mimicry_task"] is JsonValue t && t.TryGetValue<string>(out var task) ? task : null;
        string? robotType = (info["robot_type"] as JsonValue)?.TryGetValue<string>(out var robot) == true ? robot : null;
        string? videoPath = info["video_path"] is JsonValue vp && vp.TryGetValue<string>(out var template) ? template : null;
        return new Description(result, fps, episodes, frames, envTask, robotType, version, videoKeys, videoPath);
    }

    /// <summary>The dataset's codebase_version ("v2.1", "v3.0").</summary>
    public static string ReadVersion(string root)
    {
        string path = Path.Combine(root, InfoPath);
        try { return JsonNode.Parse(File.ReadAllText(path))?["codebase_version"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: field 'codebase_version' is missing"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { throw new InvalidDataException($"{path}: field 'codebase_version' is not a string", e); }
    }

    /// <summary>Episode lengths in order from <c>meta/episodes.jsonl</c>.</summary>
    public static List<int> ReadEpisodes(string root)
    {
        string path = Path.Combine(root, EpisodesPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing", path);
        var lengths = new SortedDictionary<int, int>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var j = JsonNode.Parse(line)!;
                lengths[j["episode_index"]!.GetValue<int>()] = j["length"]!.GetValue<int>();
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
            { throw new InvalidDataException($"{path}:{lineNo}: expected {{\"episode_index\": int, \"length\": int, ...}}", e); }
        }
        var keys = lengths.Keys.ToList();
        for (int i = 0; i < keys.Count; i++)
            if (keys[i] != i) throw new InvalidDataException($"{path}: episode indices are not 0..{keys.Count - 1} (missing {i})");
        return lengths.Values.ToList();
    }

    /// <summary>Each episode's source and return from <c>meta/episodes.jsonl</c> ("source", "return": a mixed dataset), or null when any episode lacks them.</summary>
    public static EpisodeLabel[]? ReadEpisodeLabels(string root)
    {
        string path = Path.Combine(root, EpisodesPath);
        var labels = new SortedDictionary<int, EpisodeLabel>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var j = JsonNode.Parse(line)!;
            if (j["source"] is not JsonValue src || j["return"] is not JsonValue ret) return null;
            try { labels[j["episode_index"]!.GetValue<int>()] = new EpisodeLabel(src.GetValue<string>(), ret.GetValue<double>()); }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            { throw new InvalidDataException($"{path}:{lineNo}: \"source\" must be a string and \"return\" a number", e); }
            if (!double.IsFinite(labels.Last().Value.Return)) throw new InvalidDataException($"{path}:{lineNo}: \"return\" must be finite");
        }
        return labels.Values.ToArray();
    }

    public static string ReadTask(string root)
    {
        string path = Path.Combine(root, TasksPath);
        if (!File.Exists(path)) return "";
        var first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        return first == null ? "" : JsonNode.Parse(first)?["task"]?.GetValue<string>() ?? "";
    }
}
