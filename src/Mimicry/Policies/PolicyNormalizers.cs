using Mimicry.Configuration;
using Mimicry.Data;

namespace Mimicry.Policies;

/// <summary>
/// The normalization a policy was trained with: per feature a mode and the dataset statistics it was
/// computed from. Saved with every checkpoint (normalization.json), so a policy acts on raw observations.
/// </summary>
public sealed class PolicyNormalizers
{
    public sealed record Entry(NormalizationMode Mode, FeatureStats Stats);

    public Dictionary<string, Entry> Features { get; init; } = new();

    private readonly Dictionary<string, Normalizer> _cache = new();

    /// <summary>One normalizer for every feature the policy declares (<see cref="PolicyConfig.Inputs"/>), cameras aside (their encoder scales them).</summary>
    public static PolicyNormalizers From(DatasetStats stats, PolicyConfig config)
    {
        var result = new PolicyNormalizers();
        foreach (var f in config.Inputs.Where(f => !config.ImageKeys.Contains(f.Key))) result.Features[f.Key] = new Entry(f.Normalization, stats[f.Key]);
        return result;
    }

    /// <summary>Size of one frame of a feature.</summary>
    public int Dim(string feature) => Features.TryGetValue(feature, out var e) ? e.Stats.Dim
        : throw new KeyNotFoundException($"no normalization for feature '{feature}' (have {string.Join(", ", Features.Keys)})");

    public Normalizer this[string feature]
    {
        get
        {
            lock (_cache)
            {
                if (_cache.TryGetValue(feature, out var n)) return n;
                if (!Features.TryGetValue(feature, out var e)) throw new KeyNotFoundException($"no normalization for feature '{feature}'");
                return _cache[feature] = Normalizer.Create(e.Stats, e.Mode);
            }
        }
    }

    public IReadOnlyDictionary<string, Normalizer> All() => Features.Keys.ToDictionary(k => k, k => this[k]);

    public void Save(string path) => ConfigJson.Save(Features, path);

    public static PolicyNormalizers Load(string path) => new() { Features = ConfigJson.Load<Dictionary<string, Entry>>(path) };
}
