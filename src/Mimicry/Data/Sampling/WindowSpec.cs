

namespace Mimicry.Data.Sampling;

/// <summary>
/// A feature a policy reads from each training window: frames [First, First + Count) relative to the
/// window start, normalized with <paramref name="Normalization"/>. (LeRobot's delta indices, as a range.)
/// </summary>
public sealed record InputFeature(string Key, int First, int Count, NormalizationMode Normalization = NormalizationMode.MinMax)
{
    public int End => First + Count;
}

/// <summary>
/// The training windows a policy asks for: the features each holds, and how far a window may start
/// before an episode (<paramref name="PadBefore"/>) and run past its last frame (<paramref name="PadAfter"/>);
/// frames outside the episode repeat its first or last frame and are flagged in the pad mask.
/// </summary>
public sealed record WindowSpec(IReadOnlyList<InputFeature> Features, int PadBefore, int PadAfter)
{
    /// <summary>Frames per window: the end of the furthest feature.</summary>
    public int Length => Features.Count == 0 ? 1 : Features.Max(f => f.End);

    public void Validate()
    {
        if (Features.Count == 0) throw new ArgumentException("a training window needs at least one feature");
        foreach (var f in Features)
            if (f.First < 0 || f.Count < 1) throw new ArgumentException($"feature '{f.Key}': frames [{f.First}, {f.End}) are not a range inside the window");
        if (Features.Select(f => f.Key).Distinct().Count() != Features.Count) throw new ArgumentException("a feature is declared twice in the training window");
        if (PadBefore < 0 || PadAfter < 0) throw new ArgumentException($"padding must be >= 0 (pad_before {PadBefore}, pad_after {PadAfter})");
        if (PadBefore >= Length) throw new ArgumentException($"pad_before ({PadBefore}) must be shorter than the window ({Length})");
    }
}
