using static TorchSharp.torch;

namespace Mimicry.Data.Sampling;

/// <summary>
/// One training batch: every feature the policy declared (<see cref="WindowSpec"/>), normalized, as
/// (B, frames, dim), and its pad mask (B, frames), true where the window ran outside the episode and
/// the value repeats the episode's first or last frame.
/// </summary>
public sealed class Batch(Dictionary<string, Tensor> features, Dictionary<string, Tensor> isPad) : IDisposable
{
    public IReadOnlyDictionary<string, Tensor> Features { get; } = features;
    public IReadOnlyDictionary<string, Tensor> IsPad { get; } = isPad;

    /// <summary>A declared feature, (B, frames, dim).</summary>
    public Tensor this[string key] => Features.TryGetValue(key, out var t) ? t
        : throw new KeyNotFoundException($"the batch has no feature '{key}' (it has {string.Join(", ", Features.Keys)}): declare it in the policy's inputs");

    /// <summary>The action window (B, H, Da).</summary>
    public Tensor Action => this[FeatureKeys.Action];
    /// <summary>(B, H) bool: actions past the episode's end.</summary>
    public Tensor ActionIsPad => IsPad[FeatureKeys.Action];
    public long Size => Features.Values.First().shape[0];

    public void Dispose()
    {
        foreach (var t in Features.Values) t.Dispose();
        foreach (var t in IsPad.Values) t.Dispose();
    }
}
