using System.Text.Json;
using System.Text.Json.Serialization;
using Mimicry.Numerics;

namespace Mimicry.Data;

/// <summary>Per-component statistics of one feature over all frames (LeRobot's stats.json entry, plus quantiles).</summary>
public sealed record FeatureStats(
    [property: JsonPropertyName("min")] float[] Min,
    [property: JsonPropertyName("max")] float[] Max,
    [property: JsonPropertyName("mean")] float[] Mean,
    [property: JsonPropertyName("std")] float[] Std,
    [property: JsonPropertyName("q01")] float[] Q01,
    [property: JsonPropertyName("q99")] float[] Q99,
    [property: JsonPropertyName("count")] long[] Count)
{
    public int Dim => Min.Length;

    /// <summary>Computes the statistics of a frames x dim array (population std, as numpy's default;
    /// quantiles by linear interpolation, as numpy.quantile's default).</summary>
    public static FeatureStats Compute(ReadOnlySpan<float> values, int dim)
    {
        if (dim <= 0 || values.Length % dim != 0) throw new ArgumentException($"{values.Length} values do not split into rows of {dim}");
        int n = values.Length / dim;
        if (n == 0) throw new ArgumentException("no frames to compute statistics from");
        var s = new FeatureStats(new float[dim], new float[dim], new float[dim], new float[dim], new float[dim], new float[dim], [n]);
        var column = new double[n];
        for (int d = 0; d < dim; d++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) { column[i] = values[i * dim + d]; sum += column[i]; }
            double mean = sum / n, sq = 0;
            for (int i = 0; i < n; i++) sq += (column[i] - mean) * (column[i] - mean);
            Array.Sort(column);
            s.Min[d] = (float)column[0];
            s.Max[d] = (float)column[^1];
            s.Mean[d] = (float)mean;
            s.Std[d] = (float)Math.Sqrt(sq / n);
            s.Q01[d] = (float)Statistics.Quantile(column, 0.01);
            s.Q99[d] = (float)Statistics.Quantile(column, 0.99);
        }
        return s;
    }
}

/// <summary>Statistics of every numeric feature, saved as <c>meta/stats.json</c> and with every checkpoint.</summary>
public sealed class DatasetStats
{
    public Dictionary<string, FeatureStats> Features { get; } = new();

    public FeatureStats this[string feature] =>
        Features.TryGetValue(feature, out var s) ? s : throw new KeyNotFoundException($"no statistics for feature '{feature}'");

    public static DatasetStats Compute(EpisodeDataset dataset)
    {
        var stats = new DatasetStats();
        foreach (var f in dataset.Features.Where(f => !f.IsImage))
            stats.Features[f.Name] = FeatureStats.Compute(dataset.Values(f.Name), f.Size);
        return stats;
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(Features, Options);

    /// <summary>Parses stats.json; errors name the file and the feature.</summary>
    public static DatasetStats FromJson(string json, string source)
    {
        Dictionary<string, FeatureStats>? parsed;
        try { parsed = JsonSerializer.Deserialize<Dictionary<string, FeatureStats>>(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: invalid statistics JSON at {e.Path}: {e.Message}", e); }
        var stats = new DatasetStats();
        foreach (var (name, s) in parsed ?? [])
        {
            if (s?.Min == null || s.Max == null || s.Mean == null || s.Std == null)
                throw new InvalidDataException($"{source}: feature '{name}' lacks min/max/mean/std");
            int d = s.Min.Length;
            var q01 = s.Q01 ?? s.Min;
            var q99 = s.Q99 ?? s.Max;
            if (s.Max.Length != d || s.Mean.Length != d || s.Std.Length != d || q01.Length != d || q99.Length != d)
                throw new InvalidDataException($"{source}: feature '{name}' has statistics of different lengths");
            stats.Features[name] = s with { Q01 = q01, Q99 = q99, Count = s.Count ?? [0] };
        }
        return stats;
    }

    public void Save(string path) => IO.AtomicFile.WriteAllText(path, ToJson());

    public static DatasetStats Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"statistics file not found: {path}", path);
        return FromJson(File.ReadAllText(path), path);
    }
}
