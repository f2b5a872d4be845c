using Mimicry.Envs;

namespace Mimicry.Data.Sampling;

/// <summary>A seeded split of episode indices into training and validation (by whole episodes, as DP's get_val_mask).</summary>
public sealed record EpisodeSplit(int[] Train, int[] Validation)
{
    /// <summary>Picks round(n * valFraction) validation episodes (at least one when valFraction &gt; 0 and n &gt; 1) with a seeded shuffle.</summary>
    public static EpisodeSplit Create(int episodes, double valFraction, int seed)
    {
        if (episodes < 1) throw new ArgumentException("no episodes to split");
        if (valFraction < 0 || valFraction >= 1) throw new ArgumentOutOfRangeException(nameof(valFraction), valFraction, "must be in [0, 1)");
        int nVal = (int)Math.Round(episodes * valFraction);
        if (valFraction > 0 && episodes > 1) nVal = Math.Clamp(nVal, 1, episodes - 1);
        var order = Enumerable.Range(0, episodes).ToArray();
        new NumpyRandomState(seed).Shuffle(order);
        var val = order.Take(nVal).Order().ToArray();
        var train = order.Skip(nVal).Order().ToArray();
        return new EpisodeSplit(train, val);
    }
}
