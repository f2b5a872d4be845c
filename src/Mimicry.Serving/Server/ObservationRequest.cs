using Mimicry.Policies;
using Mimicry.Serving.Wire;

namespace Mimicry.Serving.Server;

/// <summary>One feature the policy reads: its name, the size of one frame, and for a camera its (H, W, C).</summary>
public sealed record ObservationField(string Key, int Dim, int[]? ImageShape)
{
    public string ShapeText => ImageShape is { } s ? $"({s[0]}, {s[1]}, {s[2]})" : $"({Dim},)";
}

/// <summary>
/// A decoded request: per feature 1..To frames, each flat (a camera as H·W·C values 0..255), oldest first;
/// whether to start a new episode first; whether to predict (false: only record the frames); the reward for the
/// previous action (Decision Transformer's return-to-go).
/// </summary>
public sealed record ObservationRequest(IReadOnlyDictionary<string, float[][]> Frames, bool Reset, bool Infer, float Reward)
{
    /// <summary>Real-time chunking: the actions (P, Da) still queued from the newest observation's step on, row-major (null: none).</summary>
    public float[]? Prefix { get; init; }
    /// <summary>Rows of <see cref="Prefix"/>.</summary>
    public int PrefixRows { get; init; }
    /// <summary>Actions that will run before the new chunk arrives (frozen: weight 1).</summary>
    public int Delay { get; init; }
    /// <summary>Where the guidance has faded to 0 (null: the whole prefix).</summary>
    public int? ExecutionHorizon { get; init; }

    /// <summary>Frames per feature (every feature sends the same number).</summary>
    public int FrameCount => Frames.Count == 0 ? 0 : Frames.Values.First().Length;

    /// <summary>
    /// Reads a request map: every policy feature (renamed by <paramref name="rename"/>, client key → feature) as a numpy
    /// array of one frame (D,) / (H, W, 3) or a window (k, D) / (k, H, W, 3) with k ≤ To; cameras as uint8; optional
    /// "reset", "infer" (bool) and "reward" (number); for real-time chunking "rtc_prefix", "rtc_delay", "rtc_horizon". Other keys
    /// (openpi's "prompt") are ignored.
    /// </summary>
    /// <exception cref="InvalidDataException">One line naming the key: missing, wrong type, dtype, shape, or a non-finite value.</exception>
    public static ObservationRequest Parse(object? message, IReadOnlyList<ObservationField> fields, int maxFrames, IReadOnlyDictionary<string, string>? rename, int actionDim)
    {
        if (message is not Dictionary<string, object?> map) throw new InvalidDataException($"the request is a {Describe(message)}, not a msgpack map of observations");
        var byFeature = new Dictionary<string, (string ClientKey, object? Value)>();
        foreach (var (k, v) in map)
        {
            string feature = rename != null && rename.TryGetValue(k, out var f) ? f : k;
            byFeature[feature] = (k, v);
        }
        bool reset = Flag(map, "reset", false), infer = Flag(map, "infer", true);
        float reward = 0;
        if (map.TryGetValue("reward", out var r) && r != null)
        {
            reward = r switch { double d => (float)d, long l => l, NdArray a when a.Count == 1 => a.ToFloats("reward")[0], _ => throw new InvalidDataException($"'reward': a {Describe(r)}, expected a number") };
            if (!float.IsFinite(reward)) throw new InvalidDataException($"'reward': {reward} is not finite");
        }
        var frames = new Dictionary<string, float[][]>();
        bool observes = fields.Any(f => byFeature.ContainsKey(f.Key));
        if (!observes && reset) return new ObservationRequest(frames, reset, Infer: false, reward); // a bare reset
        int? count = null;
        foreach (var field in fields)
        {
            if (!byFeature.TryGetValue(field.Key, out var entry))
                throw new InvalidDataException($"missing observation '{field.Key}' (the request has: {string.Join(", ", map.Keys)}; rename keys with --rename CLIENT=FEATURE)");
            var (key, value) = entry;
            if (value is not NdArray array) throw new InvalidDataException($"'{key}': a {Describe(value)}, expected a numpy array {field.ShapeText}");
            var frameShape = field.ImageShape?.Select(x => (long)x).ToArray() ?? [field.Dim];
            int k;
            if (array.Shape.SequenceEqual(frameShape)) k = 1;
            else if (array.Shape.Length == frameShape.Length + 1 && array.Shape.Skip(1).SequenceEqual(frameShape) && array.Shape[0] >= 1 && array.Shape[0] <= maxFrames) k = (int)array.Shape[0];
            else throw new InvalidDataException($"'{key}': shape ({string.Join(", ", array.Shape)}), expected {field.ShapeText} or (k, {field.ShapeText.Trim('(', ')').TrimEnd(',')}) with k <= {maxFrames}");
            if (field.ImageShape != null && array.Dtype != "|u1") throw new InvalidDataException($"'{key}': dtype '{array.Dtype}', expected |u1 (uint8 RGB, 0..255)");
            if (count is { } c && c != k) throw new InvalidDataException($"'{key}': {k} frames, but another observation has {c}");
            count = k;
            var values = array.ToFloats(key);
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i])) throw new InvalidDataException($"'{key}': value {values[i]} at flat index {i} is not finite");
            frames[field.Key] = Enumerable.Range(0, k).Select(j => values.AsSpan(j * field.Dim, field.Dim).ToArray()).ToArray();
        }
        return ReadPrefix(map, new ObservationRequest(frames, reset, infer, reward), actionDim);
    }

    /// <summary>"rtc_prefix" (P, Da) float, "rtc_delay" and "rtc_horizon" (integers ≥ 0).</summary>
    private static ObservationRequest ReadPrefix(Dictionary<string, object?> map, ObservationRequest request, int actionDim)
    {
        if (!map.TryGetValue("rtc_prefix", out var value) || value == null) return request;
        if (value is not NdArray prefix || prefix.Shape.Length != 2 || prefix.Shape[1] != actionDim || prefix.Shape[0] < 1)
            throw new InvalidDataException($"'rtc_prefix': a {Describe(value)}, expected a numpy array (P, {actionDim}) of the queued actions");
        var values = prefix.ToFloats("rtc_prefix");
        if (values.Any(v => !float.IsFinite(v))) throw new InvalidDataException("'rtc_prefix': a value is not finite");
        int Count(string key, int otherwise) => map.GetValueOrDefault(key) switch
        {
            null => otherwise,
            long l when l >= 0 && l <= 10_000 => (int)l,
            var v => throw new InvalidDataException($"'{key}': a {Describe(v)}, expected an integer >= 0"),
        };
        return request with { Prefix = values, PrefixRows = (int)prefix.Shape[0], Delay = Count("rtc_delay", 0), ExecutionHorizon = map.ContainsKey("rtc_horizon") ? Count("rtc_horizon", 0) : null };
    }

    /// <summary>The fields a policy reads, in its order: low-dimensional features and cameras.</summary>
    public static IReadOnlyList<ObservationField> FieldsOf(IPolicy policy)
    {
        var cfg = policy.Config;
        return cfg.ObservationKeys.Select(key => cfg.ImageKeys.Contains(key)
            ? new ObservationField(key, cfg.ImageShape[0] * cfg.ImageShape[1] * cfg.ImageShape[2], cfg.ImageShape)
            : new ObservationField(key, policy.Normalizers.Dim(key), null)).ToList();
    }

    private static bool Flag(Dictionary<string, object?> map, string key, bool otherwise) =>
        !map.TryGetValue(key, out var v) || v == null ? otherwise : v is bool b ? b : throw new InvalidDataException($"'{key}': a {Describe(v)}, expected true or false");

    private static string Describe(object? v) => v switch
    {
        null => "nil",
        string => "string",
        byte[] => "bin",
        bool => "bool",
        long or ulong or double => "number",
        NdArray a => a.ToString(),
        List<object?> => "list",
        Dictionary<string, object?> => "map",
        _ => v.GetType().Name,
    };
}
