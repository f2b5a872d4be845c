using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;

namespace Mimicry.Data.LeRobot;

/// <summary>
/// The LeRobot v3.0 layout (huggingface/lerobot v0.6, datasets/utils.py and dataset_writer.py; ../shared/notes/lerobot-v3.md):
/// <code>
/// meta/info.json                                codebase_version "v3.0", data_path, video_path, file sizes
/// meta/stats.json                               global statistics per feature
/// meta/tasks.parquet                            task, task_index
/// meta/episodes/chunk-000/file-000.parquet      one row per episode: length, its data file, dataset_from_index /
///                                               dataset_to_index (global index range), flattened per-episode stats
/// data/chunk-XXX/file-YYY.parquet               the frames of many episodes, a new file past data_files_size_in_mb
/// videos/KEY/chunk-XXX/file-YYY.mp4             one camera's frames of many episodes (<see cref="LeRobotVideos"/>)
/// </code>
/// </summary>
public static class LeRobotV3
{
    public const string CodebaseVersion = "v3.0";
    public const string DataPath = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet";
    public const string VideoPath = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4";
    public const string TasksPath = "meta/tasks.parquet";
    public const string EpisodesDir = "meta/episodes";
    public const int DataFilesSizeInMb = 100, VideoFilesSizeInMb = 200;

    public static string DataFile(int chunk, int file) => Path.Combine("data", $"chunk-{chunk:000}", $"file-{file:000}.parquet");
    public static string EpisodesFile(int chunk, int file) => Path.Combine(EpisodesDir, $"chunk-{chunk:000}", $"file-{file:000}.parquet");

    /// <summary>Where each episode's frames go: (chunk, file) per episode, a new file once a file holds about <paramref name="fileBytes"/>.</summary>
    public static (int Chunk, int File)[] Assign(EpisodeDataset d, long fileBytes, IReadOnlyCollection<string>? videos = null)
    {
        long perFrame = LeRobotLayout.StoredFeatures(d).Where(f => videos == null || !videos.Contains(f.Name)).Sum(f => f.IsImage ? f.Size / 4L : 4L * f.Size) + 4 + 8 * LeRobotLayout.IndexColumns.Length;
        var result = new (int, int)[d.Episodes];
        int files = 0;
        long inFile = 0;
        for (int e = 0; e < d.Episodes; e++)
        {
            long bytes = perFrame * d.EpisodeLength(e);
            if (inFile > 0 && inFile + bytes > fileBytes) { files++; inFile = 0; }
            inFile += bytes;
            result[e] = (files / LeRobotLayout.ChunksSize, files % LeRobotLayout.ChunksSize);
        }
        return result;
    }

    /// <summary>Writes every v3.0 file of <paramref name="d"/> into the (temporary) folder <paramref name="root"/>; info.json is the caller's, last.</summary>
    /// Image features named in <paramref name="videos"/> are encoded as video with <paramref name="codec"/> (their frames are
    /// not in the parquet files); progress counts episodes, once for the data and once per camera.
    internal static void Write(EpisodeDataset d, string root, IProgress<int>? progress, IReadOnlyCollection<string>? videos = null,
        Video.VideoCodec codec = Video.VideoCodec.Av1, long fileBytes = DataFilesSizeInMb * 1024L * 1024, long videoFileBytes = VideoFilesSizeInMb * 1024L * 1024)
    {
        videos ??= [];
        var files = Assign(d, fileBytes, videos);
        int done = 0;
        foreach (var group in Enumerable.Range(0, d.Episodes).GroupBy(e => files[e]))
        {
            var episodes = group.ToArray();
            LeRobotDataset.WriteFrames(d, episodes, Path.Combine(root, DataFile(group.Key.Chunk, group.Key.File)), videos).GetAwaiter().GetResult();
            progress?.Report(done += episodes.Length);
        }
        var placements = new Dictionary<string, LeRobotVideos.Placement[]>();
        foreach (var key in videos)
        {
            int before = done;
            placements[key] = LeRobotVideos.Write(d, key, root, codec, videoFileBytes, progress == null ? null : new Progress<int>(n => progress.Report(before + n)));
            done += d.Episodes;
        }
        WriteTasks(d, Path.Combine(root, TasksPath)).GetAwaiter().GetResult();
        WriteEpisodes(d, files, placements, Path.Combine(root, EpisodesFile(0, 0))).GetAwaiter().GetResult();
    }

    private static async Task WriteTasks(EpisodeDataset d, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var schema = new ParquetSchema(new DataField<string>("task", true), new DataField<long?>("task_index", true));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var g = writer.CreateRowGroup();
        await g.WriteAsync(schema.DataFields[0], new[] { d.Task }, null);
        await g.WriteAsync<long>(schema.DataFields[1], new long?[] { 0 });
    }

    /// <summary>One row per episode: its length, data file and global index range, labels (a mixed dataset) and flattened per-episode statistics.</summary>
    private static async Task WriteEpisodes(EpisodeDataset d, (int Chunk, int File)[] files, Dictionary<string, LeRobotVideos.Placement[]> videos, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        int n = d.Episodes;
        var numeric = LeRobotLayout.StoredFeatures(d).Where(f => !f.IsImage).ToList();
        var stats = Enumerable.Range(0, n).Select(e => numeric.ToDictionary(f => f.Name,
            f => FeatureStats.Compute(d.Values(f.Name).AsSpan((int)(d.EpisodeStart(e) * f.Size), d.EpisodeLength(e) * f.Size), f.Size))).ToArray();
        var fields = new List<Field>();
        var longs = new (string Name, Func<int, long> Value)[]
        {
            ("episode_index", e => e), ("length", e => d.EpisodeLength(e)), ("data/chunk_index", e => files[e].Chunk), ("data/file_index", e => files[e].File),
            ("dataset_from_index", e => d.EpisodeStart(e)), ("dataset_to_index", e => d.EpisodeEnds[e]),
            ("meta/episodes/chunk_index", _ => 0), ("meta/episodes/file_index", _ => 0),
        };
        foreach (var (name, _) in longs) fields.Add(new DataField<long?>(name, true));
        foreach (var key in videos.Keys)
        {
            fields.Add(new DataField<long?>($"videos/{key}/chunk_index", true));
            fields.Add(new DataField<long?>($"videos/{key}/file_index", true));
            fields.Add(new DataField<double?>($"videos/{key}/from_timestamp", true));
            fields.Add(new DataField<double?>($"videos/{key}/to_timestamp", true));
        }
        fields.Add(new ListField("tasks", new DataField<string>("element", true)));
        if (d.EpisodeLabels != null) { fields.Add(new DataField<string>("source", true)); fields.Add(new DataField<double?>("return", true)); }
        foreach (var f in numeric)
            foreach (var stat in new[] { "min", "max", "mean", "std" }) fields.Add(new ListField($"stats/{f.Name}/{stat}", new DataField<double?>("element", true)));
        var schema = new ParquetSchema(fields);
        var leaves = schema.GetDataFields();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var g = writer.CreateRowGroup();
        int leaf = 0;
        foreach (var (_, value) in longs) await g.WriteAsync<long>(leaves[leaf++], Enumerable.Range(0, n).Select(e => (long?)value(e)).ToArray());
        foreach (var p in videos.Values)
        {
            await g.WriteAsync<long>(leaves[leaf++], p.Select(x => (long?)x.Chunk).ToArray());
            await g.WriteAsync<long>(leaves[leaf++], p.Select(x => (long?)x.File).ToArray());
            await g.WriteAsync<double>(leaves[leaf++], p.Select(x => (double?)x.From).ToArray());
            await g.WriteAsync<double>(leaves[leaf++], p.Select(x => (double?)x.To).ToArray());
        }
        await g.WriteAsync(leaves[leaf++], Enumerable.Repeat(d.Task, n).ToArray(), Enumerable.Repeat(0, n).ToArray());
        if (d.EpisodeLabels is { } labels)
        {
            await g.WriteAsync(leaves[leaf++], labels.Select(l => l.Source).ToArray(), null);
            await g.WriteAsync<double>(leaves[leaf++], labels.Select(l => (double?)l.Return).ToArray());
        }
        foreach (var f in numeric)
            foreach (var pick in new Func<FeatureStats, float[]>[] { s => s.Min, s => s.Max, s => s.Mean, s => s.Std })
            {
                var values = stats.SelectMany(s => pick(s[f.Name]).Select(v => (double?)v)).ToArray();
                var rep = Enumerable.Range(0, values.Length).Select(i => i % f.Size == 0 ? 0 : 1).ToArray();
                await g.WriteAsync<double>(leaves[leaf++], values, rep);
            }
    }

    /// <summary>One episode row of meta/episodes: what the loader needs.</summary>
    internal sealed record EpisodeRow(int Index, int Length, int DataChunk, int DataFile, long From, long To, EpisodeLabel? Label,
        Dictionary<string, LeRobotVideos.Placement> Videos);

    /// <summary>Every episode row of meta/episodes/*/*.parquet, checked: indices 0..N-1, lengths that add up, contiguous index ranges.</summary>
    internal static List<EpisodeRow> ReadEpisodes(string root, int episodes, long frames, IReadOnlyCollection<string>? videos = null)
    {
        string dir = Path.Combine(root, EpisodesDir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir} is missing: a v3.0 dataset lists its episodes there");
        var rows = new List<EpisodeRow>();
        foreach (var file in Directory.GetFiles(dir, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var table = ReadTable(file).GetAwaiter().GetResult();
            long[] L(string name) => table.TryGetValue(name, out var c)
                ? c.Select(v => v switch { long l => l, int i => i, _ => throw new InvalidDataException($"{file}: column '{name}' holds a null or a non-integer") }).ToArray()
                : throw new InvalidDataException($"{file}: column '{name}' is missing");
            var index = L("episode_index");
            var length = L("length");
            var chunk = L("data/chunk_index");
            var fileIndex = L("data/file_index");
            var from = L("dataset_from_index");
            var to = L("dataset_to_index");
            double[] D(string name) => table.TryGetValue(name, out var c)
                ? c.Select(v => v is double x && double.IsFinite(x) ? x : throw new InvalidDataException($"{file}: column '{name}' holds a null or a non-finite number")).ToArray()
                : throw new InvalidDataException($"{file}: column '{name}' is missing (the video feature's episode placement)");
            var video = (videos ?? []).ToDictionary(k => k, k => (Chunk: L($"videos/{k}/chunk_index"), File: L($"videos/{k}/file_index"),
                From: D($"videos/{k}/from_timestamp"), To: D($"videos/{k}/to_timestamp")));
            var sources = table.GetValueOrDefault("source");
            var returns = table.GetValueOrDefault("return");
            for (int i = 0; i < index.Length; i++)
                rows.Add(new EpisodeRow((int)index[i], (int)length[i], (int)chunk[i], (int)fileIndex[i], from[i], to[i],
                    sources?[i] is string src && returns?[i] is double ret ? new EpisodeLabel(src, ret) : null,
                    video.ToDictionary(kv => kv.Key, kv => new LeRobotVideos.Placement((int)kv.Value.Chunk[i], (int)kv.Value.File[i], kv.Value.From[i], kv.Value.To[i]))));
        }
        rows.Sort((a, b) => a.Index.CompareTo(b.Index));
        string where = Path.Combine(root, EpisodesDir);
        if (rows.Count != episodes) throw new InvalidDataException($"{where}: {rows.Count} episodes, meta/info.json says total_episodes {episodes}");
        long expected = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            var e = rows[i];
            if (e.Index != i) throw new InvalidDataException($"{where}: episode indices are not 0..{rows.Count - 1} (episode {i} is missing or repeated)");
            if (e.Length <= 0) throw new InvalidDataException($"{where}: episode {i} has length {e.Length}");
            if (e.From != expected || e.To != e.From + e.Length)
                throw new InvalidDataException($"{where}: episode {i}: dataset_from_index {e.From} / dataset_to_index {e.To} do not follow the previous episodes (expected {expected}..{expected + e.Length})");
            expected = e.To;
        }
        if (expected != frames) throw new InvalidDataException($"{where}: the episodes hold {expected} frames, meta/info.json says total_frames {frames}");
        return rows;
    }

    /// <summary>The top-level scalar columns of a small parquet file (every row group), by name; list columns are skipped.</summary>
    internal static async Task<Dictionary<string, object?[]>> ReadTable(string file)
    {
        try
        {
            await using var stream = File.OpenRead(file);
            await using var reader = await ParquetReader.CreateAsync(stream);
            var result = new Dictionary<string, List<object?>>();
            foreach (var leaf in reader.Schema.Fields.OfType<DataField>())
            {
                var values = result[leaf.Name] = [];
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    using var group = reader.OpenRowGroupReader(g);
                    int n = (int)group.RowCount;
                    var t = leaf.ClrType;
                    if (t == typeof(long)) { var v = new long?[n]; await group.ReadAsync<long>(leaf, v.AsMemory()); values.AddRange(v.Select(x => (object?)x)); }
                    else if (t == typeof(int)) { var v = new int?[n]; await group.ReadAsync<int>(leaf, v.AsMemory()); values.AddRange(v.Select(x => (object?)x)); }
                    else if (t == typeof(double)) { var v = new double?[n]; await group.ReadAsync<double>(leaf, v.AsMemory()); values.AddRange(v.Select(x => (object?)x)); }
                    else if (t == typeof(float)) { var v = new float?[n]; await group.ReadAsync<float>(leaf, v.AsMemory()); values.AddRange(v.Select(x => (object?)(double?)x)); }
                    else if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) { var v = new string?[n]; await group.ReadAsync(leaf, v.AsMemory()); values.AddRange(v); }
                    else values.AddRange(new object?[n]);
                }
            }
            return result.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        }
        catch (Exception e) when (e is not (InvalidDataException or FileNotFoundException))
        {
            throw new InvalidDataException($"{file}: cannot read parquet ({e.Message})", e);
        }
    }

    /// <summary>The dataset's task (the first of meta/tasks.parquet), or "".</summary>
    internal static string ReadTask(string root)
    {
        string path = Path.Combine(root, TasksPath);
        if (!File.Exists(path)) return "";
        var table = ReadTable(path).GetAwaiter().GetResult();
        if (!table.TryGetValue("task", out var task) && !table.TryGetValue("__index_level_0__", out task)) return "";
        return task.Length > 0 ? task[0] as string ?? "" : "";
    }

    /// <summary>The v3.0 <c>meta/info.json</c> fields that differ from v2.1's.</summary>
    internal static void AdaptInfo(JsonObject info, EpisodeDataset d, IReadOnlyCollection<string> videos, Video.VideoCodec codec)
    {
        foreach (var key in videos) info["features"]![key] = LeRobotVideos.InfoEntry(d.Feature(key), d.Fps, codec);
        info["codebase_version"] = CodebaseVersion;
        info.Remove("total_chunks");
        info.Remove("total_videos");
        info["data_files_size_in_mb"] = DataFilesSizeInMb;
        info["video_files_size_in_mb"] = VideoFilesSizeInMb;
        info["data_path"] = DataPath;
        info["video_path"] = videos.Count > 0 ? VideoPath : null;
    }
}
