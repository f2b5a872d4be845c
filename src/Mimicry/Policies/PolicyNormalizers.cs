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

    public static PolicyNormalizers From(DatasetStats stats, PolicyConfig config, string actionKey = FeatureKeys.Action) => new()
    {
        Features =
        {
            [config.ObservationKey] = new Entry(config.ObservationNormalization, stats[config.ObservationKey]),
            [actionKey] = new Entry(config.ActionNormalization, stats[actionKey]),
        },
    };

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
