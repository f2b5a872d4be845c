namespace Mimicry.Data;

/// <summary>
/// Demonstrations as named per-frame features over episodes, each feature one contiguous array of
/// frames x size (float32, bools as 0/1), images as uint8 HWC frames held in memory or decoded from video on demand
/// (<see cref="ImageFrames"/>). Episode e covers frames
/// [<see cref="EpisodeStart"/>(e), <see cref="EpisodeEnds"/>[e]). No per-step objects.
/// </summary>
public sealed class EpisodeDataset
{
    private readonly Dictionary<string, FeatureInfo> _features;
    private readonly Dictionary<string, float[]> _values;
    private readonly Dictionary<string, ImageFrames> _images;

    /// <summary>Exclusive end frame of each episode.</summary>
    public long[] EpisodeEnds { get; }
    public int Fps { get; }
    /// <summary>Natural-language task of the episodes (LeRobot's tasks.jsonl).</summary>
    public string Task { get; }
    /// <summary>The simulated task the episodes come from ("pusht", "fork"), when known: training evaluates there.</summary>
    public string? EnvTask { get; init; }
    /// <summary>LeRobot's robot_type, when the dataset was read from one (older Mimicry datasets name their task only through it).</summary>
    public string? RobotType { get; init; }
    /// <summary>Where it was loaded from (for error messages), if anywhere.</summary>
    public string? Source { get; init; }
    public DatasetStats? Stats { get; set; }
    /// <summary>Per-episode source and return, when the dataset was mixed from several sources (LeRobot's episodes.jsonl keeps them).</summary>
    public IReadOnlyList<EpisodeLabel>? EpisodeLabels
    {
        get => _labels;
        init
        {
            if (value is not null && value.Count != EpisodeEnds.Length) throw new ArgumentException($"{Where}{value.Count} episode labels for {EpisodeEnds.Length} episodes");
            _labels = value;
        }
    }
    private readonly IReadOnlyList<EpisodeLabel>? _labels;

    public EpisodeDataset(IEnumerable<FeatureInfo> features, long[] episodeEnds, IReadOnlyDictionary<string, float[]> values,
        IReadOnlyDictionary<string, byte[]>? images = null, int fps = 10, string task = "", string? source = null,
        IReadOnlyDictionary<string, ImageFrames>? videos = null)
    {
        Source = source;
        _features = features.ToDictionary(f => f.Name);
        EpisodeEnds = episodeEnds;
        Fps = fps;
        Task = task;
        _values = new(values);
        _images = new();
        foreach (var (name, bytes) in images ?? new Dictionary<string, byte[]>())
        {
            var shape = _features.TryGetValue(name, out var f) && f.Shape.Length == 3 ? f.Shape : throw new InvalidDataException($"{Where}image '{name}' is not a declared H x W x C feature");
            _images[name] = new MemoryFrames(bytes, shape[0], shape[1], shape[2]);
        }
        foreach (var (name, frames) in videos ?? new Dictionary<string, ImageFrames>()) _images[name] = frames;
        Validate();
    }

    public IReadOnlyCollection<FeatureInfo> Features => _features.Values;

    private string? _fingerprint;

    /// <summary>
    /// The dataset's content, hashed (SHA-256 of the episode boundaries and of every stored feature's name and values;
    /// derived features aside): a run records it, so a resumed or reused run knows its data by content, not by path.
    /// </summary>
    public string Fingerprint => _fingerprint ??= ComputeFingerprint();

    private string ComputeFingerprint()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(EpisodeEnds.AsSpan()));
        foreach (var name in _features.Keys.Where(k => !DerivedFeatures.Names.Contains(k)).Order(StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n"));
            if (_values.TryGetValue(name, out var values)) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            if (_images.TryGetValue(name, out var image)) image.Hash(sha);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }
    public int Episodes => EpisodeEnds.Length;
    public long Frames => EpisodeEnds.Length == 0 ? 0 : EpisodeEnds[^1];
    public long EpisodeStart(int e) => StartOf(EpisodeEnds, e);

    /// <summary>First frame of episode e given every episode's exclusive end.</summary>
    public static long StartOf(long[] episodeEnds, int e) => e == 0 ? 0 : episodeEnds[e - 1];
    public int EpisodeLength(int e) => (int)(EpisodeEnds[e] - EpisodeStart(e));
    public bool Has(string name) => _features.ContainsKey(name);

    public FeatureInfo Feature(string name) =>
        _features.TryGetValue(name, out var f) ? f : throw new KeyNotFoundException($"{Where}has no feature '{name}' (it has {string.Join(", ", _features.Keys)})");

    /// <summary>All frames of a numeric feature, frames x size.</summary>
    public float[] Values(string name)
    {
        var f = Feature(name);
        if (f.IsImage) throw new InvalidOperationException($"feature '{name}' is an image: use {nameof(Image)}");
        return _values[name];
    }

    /// <summary>All frames of an image feature, frames x H x W x C bytes (a video feature is decoded whole: <see cref="ImageSource"/> reads a frame at a time).</summary>
    public byte[] Image(string name) => ImageSource(name).All();

    /// <summary>The frames of an image feature, held or decoded on demand.</summary>
    public ImageFrames ImageSource(string name)
    {
        var f = Feature(name);
        if (!f.IsImage) throw new InvalidOperationException($"feature '{name}' is not an image");
        return _images[name];
    }

    /// <summary>Whether image feature <paramref name="name"/> is read from video files.</summary>
    public bool IsVideo(string name) => _images.TryGetValue(name, out var f) && f is Video.VideoFrames;

    /// <summary>Adds a numeric feature (frames x size values), e.g. a derived one; the name must be new.</summary>
    public void AddFeature(FeatureInfo feature, float[] values)
    {
        if (feature.IsImage) throw new ArgumentException($"{Where}feature '{feature.Name}': only numeric features can be added");
        if (_features.ContainsKey(feature.Name)) throw new ArgumentException($"{Where}already has a feature '{feature.Name}'");
        if (values.LongLength != Frames * feature.Size) throw new ArgumentException($"{Where}feature '{feature.Name}': {values.LongLength} values, expected {Frames} frames x {feature.Size}");
        _features[feature.Name] = feature;
        _values[feature.Name] = values;
    }

    /// <summary>Episode index of every frame (bookkeeping, derived from the episode ends).</summary>
    public int EpisodeOf(long frame)
    {
        int i = Array.BinarySearch(EpisodeEnds, frame);
        return i >= 0 ? i + 1 : ~i;
    }

    private string Where => Source == null ? "dataset " : $"dataset {Source} ";

    private void Validate()
    {
        long prev = 0;
        for (int e = 0; e < EpisodeEnds.Length; e++)
        {
            if (EpisodeEnds[e] <= prev) throw new InvalidDataException($"{Where}episode {e}: end {EpisodeEnds[e]} is not after {prev} (empty or unordered episodes)");
            prev = EpisodeEnds[e];
        }
        foreach (var f in _features.Values)
        {
            if (f.Shape.Length == 0 || f.Shape.Any(d => d <= 0)) throw new InvalidDataException($"{Where}feature '{f.Name}': bad shape [{string.Join(",", f.Shape)}]");
            long expected = Frames * f.Size;
            if (f.IsImage)
            {
                if (!_images.TryGetValue(f.Name, out var img)) throw new InvalidDataException($"{Where}feature '{f.Name}': no image data");
                if (img.Count != Frames || img.FrameBytes != f.Size)
                    throw new InvalidDataException($"{Where}feature '{f.Name}': {img.Count} frames of {img.Height}x{img.Width}x{img.Channels}, expected {Frames} frames of [{string.Join(",", f.Shape)}]");
                continue;
            }
            if (!_values.TryGetValue(f.Name, out var v)) throw new InvalidDataException($"{Where}feature '{f.Name}': no data");
            if (v.LongLength != expected) throw new InvalidDataException($"{Where}feature '{f.Name}': {v.LongLength} values, expected {Frames} frames x {f.Size} ([{string.Join(",", f.Shape)}])");
        }
        CheckFinite();
    }

    /// <summary>
    /// Throws, naming episode, frame and feature, at the first NaN or infinity. The value arrays are
    /// shared with callers (<see cref="Values"/>), so writers check again before anything reaches disk.
    /// </summary>
    public void CheckFinite()
    {
        foreach (var f in _features.Values)
        {
            if (f.IsImage) continue;
            var v = _values[f.Name];
            for (long i = 0; i < v.LongLength; i++)
            {
                if (float.IsFinite(v[i])) continue;
                long frame = i / f.Size;
                int e = EpisodeOf(frame);
                throw new InvalidDataException($"{Where}episode {e}, frame {frame - EpisodeStart(e)}, feature '{f.Name}'[{i % f.Size}]: {v[i]} is not finite");
            }
        }
    }
}

/// <summary>Where an episode of a mixed dataset came from, and its return (the best reward over the episode).</summary>
public sealed record EpisodeLabel(string Source, double Return);
