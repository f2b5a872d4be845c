namespace Mimicry.Data.Video;

/// <summary>Where an episode's frames of one camera are: the file and the time of its first frame (LeRobot v3.0's
/// <c>videos/&lt;key&gt;/from_timestamp</c>; frame t is at from + t / fps).</summary>
public sealed record EpisodeVideo(string Path, double FromTimestamp, int Length);

/// <summary>
/// An image feature stored as video, decoded an episode at a time on demand. Decoded episodes are kept in a cache bounded in
/// bytes (least recently used first out). Decoding runs on <see cref="Workers"/> threads of its own (one ffmpeg process each,
/// never the thread pool's, so callers that block cannot starve it); <see cref="Prefetch"/> queues episodes for them, so a
/// loader that announces its next batches keeps well ahead of the training step. Thread-safe.
/// </summary>
public sealed class VideoFrames : ImageFrames
{
    /// <summary>Default cache bound: 1 GiB (all of Push-T's 96x96 frames take 709 MB); <c>MIMICRY_VIDEO_CACHE_MB</c> changes it.</summary>
    public const long DefaultCacheBytes = 1L << 30;
    public const string CacheVariable = "MIMICRY_VIDEO_CACHE_MB";

    /// <summary>The cache bound <c>MIMICRY_VIDEO_CACHE_MB</c> asks for, or <see cref="DefaultCacheBytes"/>.</summary>
    public static long CacheBytesFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(CacheVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultCacheBytes;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long mb) || mb > 1L << 30)
            throw new ArgumentException($"{CacheVariable}='{text}' is not a whole number of megabytes (0 decodes every time)");
        return mb * 1024 * 1024;
    }

    private readonly string _feature;
    private readonly EpisodeVideo[] _episodes;
    private readonly long[] _ends;
    private readonly double _fps;
    private readonly object _gate = new();
    private readonly Dictionary<int, LinkedListNode<(int Episode, byte[] Frames)>> _cached = new();
    private readonly LinkedList<(int Episode, byte[] Frames)> _recency = new();
    private readonly Dictionary<int, TaskCompletionSource<byte[]>> _decoding = new();
    private readonly System.Collections.Concurrent.BlockingCollection<int> _queue = new();
    private int _running;
    private long _cachedBytes;

    public long CacheBytes { get; }
    public int Workers { get; }
    /// <summary>Episodes decoded so far (a measure of cache misses).</summary>
    public int Decoded => _decodedCount;
    private int _decodedCount;
    public IReadOnlyList<EpisodeVideo> Episodes => _episodes;

    /// <param name="feature">The feature's name (for messages).</param>
    /// <param name="shape">H, W, C of a frame.</param>
    /// <param name="episodes">Each episode's file, first timestamp and length, in dataset order.</param>
    /// <param name="verify">Probe every file once: present, readable, frames of this size, long enough for its episodes.</param>
    public VideoFrames(string feature, int[] shape, double fps, IReadOnlyList<EpisodeVideo> episodes, long cacheBytes = DefaultCacheBytes, int workers = 0, bool verify = true)
        : base(shape[0], shape[1], shape[2], episodes.Sum(e => (long)e.Length))
    {
        if (shape.Length != 3 || shape[2] != 3) throw new ArgumentException($"feature '{feature}': video frames are H x W x 3, not [{string.Join(",", shape)}]");
        _feature = feature;
        _episodes = episodes.ToArray();
        _fps = fps;
        _ends = new long[_episodes.Length];
        long total = 0;
        for (int e = 0; e < _episodes.Length; e++) _ends[e] = total += _episodes[e].Length;
        CacheBytes = Math.Max(0, cacheBytes);
        Workers = workers > 0 ? workers : Math.Max(1, Environment.ProcessorCount);
        if (verify) Verify();
    }

    private void Verify()
    {
        foreach (var file in Enumerable.Range(0, _episodes.Length).GroupBy(e => _episodes[e].Path))
        {
            var probe = VideoProbe.Of(file.Key);
            if (probe.Width != Width || probe.Height != Height)
                throw new InvalidDataException($"{file.Key}: frames are {probe.Width}x{probe.Height}, feature '{_feature}' is {Width}x{Height}");
            if (Math.Abs(probe.Fps - _fps) > 1e-6) throw new InvalidDataException($"{file.Key}: {probe.Fps:0.###} frames/s, the dataset's fps is {_fps}");
            foreach (int e in file)
            {
                long first = VideoDecoder.FrameOf(_episodes[e].FromTimestamp, _fps, $"{file.Key}, episode {e}, feature '{_feature}' from_timestamp");
                if (first < 0 || (probe.Frames >= 0 && first + _episodes[e].Length > probe.Frames))
                    throw new InvalidDataException($"{file.Key}, episode {e}, feature '{_feature}': frames {first}..{first + _episodes[e].Length - 1} " +
                        $"({_episodes[e].FromTimestamp:0.###}-{_episodes[e].FromTimestamp + _episodes[e].Length / _fps:0.###} s) are outside the file's {probe.Frames} frames");
            }
        }
    }

    private (int Episode, int T) Locate(long frame)
    {
        if (frame < 0 || frame >= Count) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"feature '{_feature}' has frames 0..{Count - 1}");
        int i = Array.BinarySearch(_ends, frame);
        int e = i >= 0 ? i + 1 : ~i;
        return (e, (int)(frame - (e == 0 ? 0 : _ends[e - 1])));
    }

    public override void CopyFrame(long frame, Span<byte> dest)
    {
        var (e, t) = Locate(frame);
        Episode(e).AsSpan(t * FrameBytes, FrameBytes).CopyTo(dest);
    }

    public override void Prefetch(IEnumerable<long> frames)
    {
        foreach (int e in frames.Select(f => Locate(f).Episode).Distinct()) Start(e);
    }

    /// <summary>Episode <paramref name="e"/>'s frames, length x H x W x 3, from the cache or decoded now.</summary>
    public byte[] Episode(int e)
    {
        if (e < 0 || e >= _episodes.Length) throw new ArgumentOutOfRangeException(nameof(e), e, $"feature '{_feature}' has episodes 0..{_episodes.Length - 1}");
        try { return Start(e).GetAwaiter().GetResult(); }
        catch (AggregateException a) when (a.InnerException != null) { throw a.InnerException; }
    }

    private Task<byte[]> Start(int e)
    {
        lock (_gate)
        {
            if (_cached.TryGetValue(e, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                return Task.FromResult(node.Value.Frames);
            }
            if (_decoding.TryGetValue(e, out var running)) return running.Task;
            var pending = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            _decoding[e] = pending;
            _queue.Add(e);
            if (_running < Workers)
            {
                _running++;
                new Thread(Work) { IsBackground = true, Name = $"video decode ({_feature})" }.Start();
            }
            return pending.Task;
        }
    }

    /// <summary>A decoding thread: takes queued episodes until none has come for two seconds.</summary>
    private void Work()
    {
        while (true)
        {
            if (!_queue.TryTake(out int e, 2000))
            {
                lock (_gate)
                {
                    if (_queue.Count > 0) continue;
                    _running--;
                    return;
                }
            }
            TaskCompletionSource<byte[]> pending;
            lock (_gate) pending = _decoding[e];
            try { pending.SetResult(DecodeEpisode(e)); }
            catch (Exception ex)
            {
                lock (_gate) _decoding.Remove(e);
                pending.SetException(ex);
            }
        }
    }

    private byte[] DecodeEpisode(int e)
    {
        var frames = new byte[(long)_episodes[e].Length * FrameBytes];
        DecodeInto(e, frames);
        Interlocked.Increment(ref _decodedCount);
        lock (_gate)
        {
            _decoding.Remove(e);
            if (frames.LongLength <= CacheBytes)
            {
                _cached[e] = _recency.AddFirst((e, frames));
                _cachedBytes += frames.LongLength;
                while (_cachedBytes > CacheBytes && _recency.Last is { } last && last.Value.Episode != e)
                {
                    _recency.RemoveLast();
                    _cached.Remove(last.Value.Episode);
                    _cachedBytes -= last.Value.Frames.LongLength;
                }
            }
        }
        return frames;
    }

    public override byte[] All()
    {
        var result = new byte[Count * FrameBytes];
        Numerics.Parallelism.For(0, _episodes.Length, e =>
            DecodeInto(e, result.AsSpan(checked((int)((_ends[e] - _episodes[e].Length) * FrameBytes)), _episodes[e].Length * FrameBytes)));
        return result;
    }

    /// <summary>Episode <paramref name="e"/>'s frames decoded into <paramref name="dest"/> (length x H x W x 3); errors name file, episode and feature.</summary>
    private void DecodeInto(int e, Span<byte> dest)
    {
        var v = _episodes[e];
        VideoDecoder.Decode(v.Path, v.FromTimestamp, v.Length, Width, Height, _fps, dest, $"{v.Path}, episode {e}, feature '{_feature}'");
    }

    /// <summary>The files' bytes and where each episode sits in them: the same video content hashes alike wherever it lies.</summary>
    public override void Hash(System.Security.Cryptography.IncrementalHash hash)
    {
        foreach (var path in _episodes.Select(v => v.Path).Distinct())
        {
            using var s = File.OpenRead(path);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = s.Read(buffer, 0, buffer.Length)) > 0) hash.AppendData(buffer, 0, n);
        }
        foreach (var v in _episodes) hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{Path.GetFileName(v.Path)}@{v.FromTimestamp:R}+{v.Length}\n"));
    }
}
