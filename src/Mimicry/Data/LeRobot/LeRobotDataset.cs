using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using SkiaSharp;
using Mimicry.Numerics;
using Mimicry.Data.Video;

namespace Mimicry.Data.LeRobot;

/// <summary>
/// Writes and reads <see cref="EpisodeDataset"/>s in the LeRobot v2.1 layout with Parquet.Net.
/// Files are written the way pyarrow writes them (every column nullable; list columns
/// <c>optional group (LIST) { repeated group list { optional element } }</c>, definition level 3;
/// images as HF datasets' struct &lt;bytes: PNG, path: string&gt;), and read back from any such file,
/// nullable or not. A dataset is written to a temporary folder and renamed into place, so an
/// interrupted write leaves nothing that loads.
/// </summary>
public static class LeRobotDataset
{
    /// <summary>How video features are read: the decoded-frame cache's bound (null: <c>MIMICRY_VIDEO_CACHE_MB</c>, else 1 GiB) and the
    /// decoding threads (0: one per core).</summary>
    public sealed record VideoOptions(long? CacheBytes = null, int Workers = 0)
    {
        public long Bytes => CacheBytes ?? VideoFrames.CacheBytesFromEnvironment();
    }

    /// <summary>
    /// Whether a dataset may be written to <paramref name="root"/>: not a file; an existing folder only with
    /// <paramref name="overwrite"/>, and never a non-empty folder that is not a dataset. Save checks it; a
    /// command that works long before saving (import) checks it first too.
    /// </summary>
    public static void CheckTarget(string root, bool overwrite)
    {
        if (File.Exists(root)) throw new IOException($"{root} is a file; give a folder for the dataset");
        if (Directory.Exists(root) && !overwrite) throw new IOException($"{root} already exists (use --overwrite to replace it)");
        if (Directory.Exists(root) && !File.Exists(Path.Combine(root, LeRobotLayout.InfoPath)) && Directory.EnumerateFileSystemEntries(root).Any())
            throw new IOException($"{root} exists and is not a LeRobot dataset (no {LeRobotLayout.InfoPath}); Mimicry will not delete it: remove it yourself or choose another folder");
    }

    /// <summary>
    /// Writes <paramref name="dataset"/> (and its statistics, computed if missing) to folder <paramref name="root"/> in
    /// <paramref name="format"/>: v3.0 (current LeRobot, the default) or v2.1 (what openpi's pinned LeRobot reads).
    /// v3.0 stores image features as video in <paramref name="videoCodec"/> (null: PNG in the parquet files), a new video file past
    /// <paramref name="videoFileBytes"/>; v2.1 stores them as PNG.
    /// </summary>
    public static void Save(EpisodeDataset dataset, string root, string robotType = "", bool overwrite = false, IProgress<int>? progress = null,
        LeRobotFormat format = LeRobotFormat.V30, VideoCodec? videoCodec = VideoCodec.Av1, long videoFileBytes = LeRobotV3.VideoFilesSizeInMb * 1024L * 1024)
    {
        root = Path.GetFullPath(root);
        CheckTarget(root, overwrite);
        dataset.CheckFinite(); // nothing non-finite is ever written
        if (format == LeRobotFormat.V30) { SaveV30(dataset, root, robotType, progress, videoCodec, videoFileBytes); return; }
        IO.AtomicFile.WriteDirectory(root, tmp =>
        {
            Directory.CreateDirectory(Path.Combine(tmp, "meta"));
            for (int e = 0; e < dataset.Episodes; e++)
            {
                WriteEpisode(dataset, e, Path.Combine(tmp, LeRobotLayout.EpisodeFile(e))).GetAwaiter().GetResult();
                progress?.Report(e + 1);
            }
            dataset.Stats ??= DatasetStats.Compute(dataset);
            dataset.Stats.Save(Path.Combine(tmp, LeRobotLayout.StatsPath));
            var json = new JsonSerializerOptions { WriteIndented = false };
            File.WriteAllLines(Path.Combine(tmp, LeRobotLayout.EpisodesPath), Enumerable.Range(0, dataset.Episodes).Select(e =>
            {
                var line = new JsonObject { ["episode_index"] = e, ["tasks"] = new JsonArray(dataset.Task), ["length"] = dataset.EpisodeLength(e) };
                if (dataset.EpisodeLabels is { } labels) { line["source"] = labels[e].Source; line["return"] = labels[e].Return; }
                return line.ToJsonString(json);
            }));
            File.WriteAllText(Path.Combine(tmp, LeRobotLayout.TasksPath), new JsonObject { ["task_index"] = 0, ["task"] = dataset.Task }.ToJsonString(json) + "\n");
            // info.json last: a folder without it is not a dataset.
            File.WriteAllText(Path.Combine(tmp, LeRobotLayout.InfoPath), LeRobotLayout.Info(dataset, robotType).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            IO.FolderChecksums.Dataset.Write(tmp);
        });
    }

    private static void SaveV30(EpisodeDataset dataset, string root, string robotType, IProgress<int>? progress, VideoCodec? videoCodec, long videoFileBytes) =>
        IO.AtomicFile.WriteDirectory(root, tmp =>
        {
            Directory.CreateDirectory(Path.Combine(tmp, "meta"));
            var videos = videoCodec is { } codec ? LeRobotLayout.StoredFeatures(dataset).Where(f => f.IsImage).Select(f => f.Name).ToArray() : [];
            LeRobotV3.Write(dataset, tmp, progress, videos, videoCodec ?? VideoCodec.Av1, videoFileBytes: videoFileBytes);
            dataset.Stats ??= DatasetStats.Compute(dataset);
            dataset.Stats.Save(Path.Combine(tmp, LeRobotLayout.StatsPath));
            var info = LeRobotLayout.Info(dataset, robotType);
            LeRobotV3.AdaptInfo(info, dataset, videos, videoCodec ?? VideoCodec.Av1);
            // info.json last: a folder without it is not a dataset.
            File.WriteAllText(Path.Combine(tmp, LeRobotLayout.InfoPath), info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            IO.FolderChecksums.Dataset.Write(tmp);
        });

    internal static Task WriteEpisode(EpisodeDataset d, int episode, string path) => WriteFrames(d, [episode], path);

    /// <summary>The frames of <paramref name="episodes"/> into one parquet file, a row group per episode (v2.1: one episode per file; v3.0: many).</summary>
    internal static async Task WriteFrames(EpisodeDataset d, IReadOnlyList<int> episodes, string path, IReadOnlyCollection<string>? videos = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var stored = LeRobotLayout.StoredFeatures(d).Where(f => videos == null || !videos.Contains(f.Name)).ToList();
        var fields = new List<Field>();
        foreach (var f in stored)
        {
            if (f.IsImage) fields.Add(new StructField(f.Name, new DataField<byte[]>("bytes", true), new DataField<string>("path", true)));
            else if (f.Shape is [1]) fields.Add(f.DType == FeatureDType.Bool ? new DataField<bool?>(f.Name, true) : new DataField<float?>(f.Name, true));
            else fields.Add(new ListField(f.Name, f.DType == FeatureDType.Bool ? new DataField<bool?>("element", true) : new DataField<float?>("element", true)));
        }
        fields.Add(new DataField<float?>("timestamp", true));
        foreach (var k in LeRobotLayout.IndexColumns) fields.Add(new DataField<long?>(k, true));
        var schema = new ParquetSchema(fields);
        var leaves = schema.GetDataFields();

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (int episode in episodes)
        {
            long start = d.EpisodeStart(episode);
            int n = d.EpisodeLength(episode);
            using var group = writer.CreateRowGroup();
            int leaf = 0;
            foreach (var f in stored)
            {
                if (f.IsImage)
                {
                    var bytes = EncodePngs(d.ImageSource(f.Name), start, n, f.Shape);
                    await group.WriteAsync(leaves[leaf++], bytes, null);
                    await group.WriteAsync(leaves[leaf++], Enumerable.Repeat<string>(null!, n).ToArray(), null);
                    continue;
                }
                var values = d.Values(f.Name).AsMemory((int)(start * f.Size), n * f.Size);
                int[]? rep = f.Shape is [1] ? null : ListRepetition(n, f.Size);
                if (f.DType == FeatureDType.Bool)
                    await group.WriteAsync<bool>(leaves[leaf++], values.ToArray().Select(v => (bool?)(v != 0)).ToArray(), rep);
                else
                    await group.WriteAsync<float>(leaves[leaf++], values.ToArray().Select(v => (float?)v).ToArray(), rep);
            }
            await group.WriteAsync<float>(leaves[leaf++], Enumerable.Range(0, n).Select(t => (float?)((float)t / d.Fps)).ToArray());
            await group.WriteAsync<long>(leaves[leaf++], Enumerable.Range(0, n).Select(t => (long?)t).ToArray());
            await group.WriteAsync<long>(leaves[leaf++], Enumerable.Repeat((long?)episode, n).ToArray());
            await group.WriteAsync<long>(leaves[leaf++], Enumerable.Range(0, n).Select(t => (long?)(start + t)).ToArray());
            await group.WriteAsync<long>(leaves[leaf++], Enumerable.Repeat((long?)0, n).ToArray());
        }
    }

    private static int[] ListRepetition(int rows, int size)
    {
        var rep = new int[rows * size];
        for (int i = 0; i < rep.Length; i++) rep[i] = i % size == 0 ? 0 : 1;
        return rep;
    }

    private static byte[][] EncodePngs(ImageFrames images, long start, int n, int[] shape)
    {
        int h = shape[0], w = shape[1], size = h * w * 3;
        var result = new byte[n][];
        Parallelism.For(0, n, t =>
        {
            using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var px = bmp.GetPixelSpan();
            var src = new byte[size];
            images.CopyFrame(start + t, src);
            for (int i = 0; i < h * w; i++) { px[4 * i] = src[3 * i]; px[4 * i + 1] = src[3 * i + 1]; px[4 * i + 2] = src[3 * i + 2]; px[4 * i + 3] = 255; }
            using var img = SKImage.FromBitmap(bmp);
            using var data = img.Encode(SKEncodedImageFormat.Png, 100);
            result[t] = data.ToArray();
        });
        return result;
    }

    /// <summary>Loads a LeRobot v2.x dataset folder. Errors name the file, episode and feature.</summary>
    public static EpisodeDataset Load(string root, IProgress<int>? progress = null, VideoOptions? video = null)
    {
        if (File.Exists(root)) throw new IOException($"{root} is a file: a LeRobot dataset is a folder (meta/info.json, data/...)");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"dataset folder not found: {root}");
        IO.FolderChecksums.Dataset.Verify(root);
        var described = LeRobotLayout.ReadInfo(root);
        if (described.IsV30) return LoadV30(root, described, progress, video);
        var (features, fps, episodes, frames, envTask, robotType, _, videoKeys, videoPath) = described;
        var lengths = LeRobotLayout.ReadEpisodes(root);
        string info = Path.Combine(root, LeRobotLayout.InfoPath);
        if (lengths.Count != episodes) throw new InvalidDataException($"{info}: total_episodes is {episodes}, {LeRobotLayout.EpisodesPath} lists {lengths.Count}");
        var ends = new long[episodes];
        long total = 0;
        for (int e = 0; e < episodes; e++)
        {
            if (lengths[e] <= 0) throw new InvalidDataException($"{Path.Combine(root, LeRobotLayout.EpisodesPath)}: episode {e} has length {lengths[e]}");
            ends[e] = total += lengths[e];
        }
        if (total != frames) throw new InvalidDataException($"{info}: total_frames is {frames}, the episodes add up to {total}");
        var values = features.Where(f => !f.IsImage).ToDictionary(f => f.Name, f => new float[total * f.Size]);
        // v2.1 video: one file per episode and camera (videos/chunk-000/KEY/episode_000000.mp4), each from time 0.
        string template = videoPath ?? LeRobotLayout.VideoPath;
        var videos = videoKeys.ToDictionary(k => k, k => OpenVideo(features.First(f => f.Name == k), fps,
            Enumerable.Range(0, episodes).Select(e => new EpisodeVideo(Path.Combine(root, LeRobotVideos.ExpandPath(template, k, 0, 0, e)), 0, lengths[e])).ToList(), video));
        var inParquet = features.Where(f => !videoKeys.Contains(f.Name)).ToList();
        var images = inParquet.Where(f => f.IsImage).ToDictionary(f => f.Name, f => new byte[total * f.Size]);
        int done = 0;
        Parallelism.For(0, episodes, e =>
        {
            ReadEpisode(root, e, e == 0 ? 0 : ends[e - 1], lengths[e], inParquet, values, images).GetAwaiter().GetResult();
            progress?.Report(Interlocked.Increment(ref done));
        });
        var dataset = new EpisodeDataset(features, ends, values, images, fps, LeRobotLayout.ReadTask(root), root, videos) { EnvTask = envTask, RobotType = robotType, EpisodeLabels = LeRobotLayout.ReadEpisodeLabels(root) };
        string stats = Path.Combine(root, LeRobotLayout.StatsPath);
        dataset.Stats = File.Exists(stats) ? DatasetStats.Load(stats) : DatasetStats.Compute(dataset);
        return dataset;
    }

    private static EpisodeDataset LoadV30(string root, LeRobotLayout.Description described, IProgress<int>? progress, VideoOptions? video)
    {
        var (features, fps, episodes, frames, envTask, robotType, _, videoKeys, videoPath) = described;
        var rows = LeRobotV3.ReadEpisodes(root, episodes, frames, videoKeys);
        var ends = rows.Select(r => r.To).ToArray();
        var values = features.Where(f => !f.IsImage).ToDictionary(f => f.Name, f => new float[frames * f.Size]);
        var images = features.Where(f => f.IsImage && !videoKeys.Contains(f.Name)).ToDictionary(f => f.Name, f => new byte[frames * f.Size]);
        var videos = videoKeys.ToDictionary(k => k, k => V30Video(root, videoPath ?? LeRobotV3.VideoPath, features.First(f => f.Name == k), fps, rows, video));
        var inParquet = features.Where(f => !videoKeys.Contains(f.Name)).ToList();
        var files = rows.GroupBy(r => (r.DataChunk, r.DataFile)).ToList();
        int done = 0;
        Parallelism.For(0, files.Count, i =>
        {
            var inFile = files[i].OrderBy(r => r.Index).ToList();
            for (int k = 1; k < inFile.Count; k++)
                if (inFile[k].From != inFile[k - 1].To)
                    throw new InvalidDataException($"{Path.Combine(root, LeRobotV3.EpisodesDir)}: episodes {inFile[k - 1].Index} and {inFile[k].Index} share data file " +
                        $"chunk {files[i].Key.DataChunk} file {files[i].Key.DataFile} but are not consecutive");
            string path = Path.Combine(root, LeRobotV3.DataFile(files[i].Key.DataChunk, files[i].Key.DataFile));
            int length = (int)(inFile[^1].To - inFile[0].From);
            ReadFrames(path, $"{path} (episodes {inFile[0].Index}-{inFile[^1].Index})", inFile[0].From, length, inParquet, values, images,
                inFile.SelectMany(r => Enumerable.Repeat(r.Index, r.Length)).ToArray()).GetAwaiter().GetResult();
            progress?.Report(Interlocked.Add(ref done, inFile.Count));
        });
        var labels = rows.All(r => r.Label != null) ? rows.Select(r => r.Label!).ToArray() : null;
        var dataset = new EpisodeDataset(features, ends, values, images, fps, LeRobotV3.ReadTask(root), root, videos) { EnvTask = envTask, RobotType = robotType, EpisodeLabels = labels };
        string stats = Path.Combine(root, LeRobotLayout.StatsPath);
        dataset.Stats = File.Exists(stats) ? DatasetStats.Load(stats) : DatasetStats.Compute(dataset);
        return dataset;
    }

    /// <summary>A v3.0 video feature: each episode's file and first timestamp from meta/episodes, checked against its length.</summary>
    private static ImageFrames V30Video(string root, string template, FeatureInfo f, int fps, List<LeRobotV3.EpisodeRow> rows, VideoOptions? options)
    {
        var episodes = rows.Select(r =>
        {
            var p = r.Videos[f.Name];
            string file = Path.Combine(root, LeRobotVideos.ExpandPath(template, f.Name, p.Chunk, p.File));
            if (Math.Abs(p.To - p.From - r.Length / (double)fps) > VideoDecoder.ToleranceS + 0.5 / fps)
                throw new InvalidDataException($"{Path.Combine(root, LeRobotV3.EpisodesDir)}: episode {r.Index}, videos/{f.Name}: from_timestamp {p.From:0.###} to " +
                    $"to_timestamp {p.To:0.###} s is not its {r.Length} frames at {fps} fps");
            return new EpisodeVideo(file, p.From, r.Length);
        }).ToList();
        return OpenVideo(f, fps, episodes, options);
    }

    /// <summary>A video feature's frames, read on demand with <paramref name="options"/> (null: the defaults).</summary>
    private static ImageFrames OpenVideo(FeatureInfo f, int fps, IReadOnlyList<EpisodeVideo> episodes, VideoOptions? options)
    {
        options ??= new VideoOptions();
        return new VideoFrames(f.Name, f.Shape, fps, episodes, options.Bytes, options.Workers);
    }

    private static Task ReadEpisode(string root, int episode, long start, int length, List<FeatureInfo> features,
        Dictionary<string, float[]> values, Dictionary<string, byte[]> images)
    {
        string path = Path.Combine(root, LeRobotLayout.EpisodeFile(episode));
        if (!File.Exists(path)) throw new FileNotFoundException($"episode {episode}: {path} is missing", path);
        return ReadFrames(path, $"{path} (episode {episode})", start, length, features, values, images, null);
    }

    /// <summary>
    /// The frames of one parquet file into the dataset's arrays from global frame <paramref name="start"/>; with
    /// <paramref name="episodeOfRow"/>, each row's <c>episode_index</c> must be that episode (v3.0 files hold many).
    /// </summary>
    private static async Task ReadFrames(string path, string where, long start, int length, List<FeatureInfo> features,
        Dictionary<string, float[]> values, Dictionary<string, byte[]> images, int[]? episodeOfRow)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{where}: {path} is missing", path);
        try
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(stream);
            long rows = Enumerable.Range(0, reader.RowGroupCount).Sum(g => { using var r = reader.OpenRowGroupReader(g); return r.RowCount; });
            if (rows != length) throw new InvalidDataException($"{where}: {rows} rows, the episode index says {length}");
            if (episodeOfRow != null)
            {
                var column = reader.Schema.GetDataFields().FirstOrDefault(l => l.Name == "episode_index" && l.MaxRepetitionLevel == 0)
                    ?? throw new InvalidDataException($"{where}: no column 'episode_index'");
                var read = new float[length];
                await ColumnReader.ReadNumeric(reader, column, new FeatureInfo("episode_index", FeatureDType.Float32, [1]), length, where, read, 0);
                for (int t = 0; t < length; t++)
                    if (read[t] != episodeOfRow[t])
                        throw new InvalidDataException($"{where}, row {t}: episode_index {read[t]}, meta/episodes puts episode {episodeOfRow[t]} there");
            }
            var top = reader.Schema.Fields.ToDictionary(f => f.Name);
            foreach (var f in features)
            {
                if (!top.TryGetValue(f.Name, out var field)) throw new InvalidDataException($"{where}: no column '{f.Name}' (a feature in meta/info.json)");
                if (f.IsImage)
                {
                    var leaf = (field as StructField)?.Fields.OfType<DataField>().FirstOrDefault(l => l.Name == "bytes")
                        ?? throw new InvalidDataException($"{where}: image column '{f.Name}' is not a struct with a binary 'bytes' field");
                    var column = await ColumnReader.ReadBinary(reader, leaf);
                    if (column.Count != length) throw new InvalidDataException($"{where}, feature '{f.Name}': {column.Count} images for {length} rows");
                    for (int t = 0; t < length; t++) DecodePng(column[t], f, images[f.Name].AsSpan((int)((start + t) * f.Size), f.Size), $"{where}, frame {t}, feature '{f.Name}'");
                    continue;
                }
                var dataLeaf = field switch
                {
                    DataField d => d,
                    ListField { Item: DataField item } => item,
                    _ => throw new InvalidDataException($"{where}: column '{f.Name}' is a {field.SchemaType}, expected a number or a list of numbers"),
                };
                await ColumnReader.ReadNumeric(reader, dataLeaf, f, length, where, values[f.Name], (int)(start * f.Size));
            }
        }
        catch (Exception e) when (e is not FileNotFoundException and not NotSupportedException && !e.Message.Contains(path))
        {
            // Parquet.Net and its codecs (Snappy, Thrift) throw without the file name, InvalidDataException among them.
            throw new InvalidDataException($"{where}: cannot read parquet ({e.Message})", e);
        }
    }

    private static void DecodePng(byte[]? png, FeatureInfo f, Span<byte> dest, string where)
    {
        if (png == null) throw new InvalidDataException($"{where}: image is null");
        using var bmp = SKBitmap.Decode(png) ?? throw new InvalidDataException($"{where}: not a decodable image");
        if (bmp.Height != f.Shape[0] || bmp.Width != f.Shape[1])
            throw new InvalidDataException($"{where}: image is {bmp.Width}x{bmp.Height}, expected {f.Shape[1]}x{f.Shape[0]}");
        using var rgba = bmp.ColorType == SKColorType.Rgba8888 ? null : bmp.Copy(SKColorType.Rgba8888);
        var px = (rgba ?? bmp).GetPixelSpan();
        for (int i = 0; i < bmp.Width * bmp.Height; i++) { dest[3 * i] = px[4 * i]; dest[3 * i + 1] = px[4 * i + 1]; dest[3 * i + 2] = px[4 * i + 2]; }
    }
}
