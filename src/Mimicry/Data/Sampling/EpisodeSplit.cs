using Mimicry.Configuration;
using Mimicry.Numerics;

namespace Mimicry.Data.Sampling;

/// <summary>A seeded split of episode indices into training and validation (by whole episodes, as DP's get_val_mask).</summary>
public sealed record EpisodeSplit(int[] Train, int[] Validation)
{
    /// <summary>The split a training run asks for.</summary>
    /// <param name="maxTrainEpisodes">Keep at most this many training episodes (DP's max_train_episodes; null: all).</param>
    public static EpisodeSplit Create(SplitKind kind, int episodes, double valFraction, int seed, int? maxTrainEpisodes, string source)
    {
        if (kind == SplitKind.DpPusht)
        {
            if (maxTrainEpisodes is { } m && m != DiffusionPolicySplit.TrainEpisodes)
                throw new ArgumentException($"train.split dp_pusht has DP's {DiffusionPolicySplit.TrainEpisodes} training episodes; train.max_train_episodes {m} needs train.split seeded");
            return DiffusionPolicySplit.For(episodes, source);
        }
        var split = Create(episodes, valFraction, seed);
        if (maxTrainEpisodes is not { } max || max >= split.Train.Length) return split;
        if (max < 1) throw new ArgumentException($"train.max_train_episodes must be >= 1, got {max}");
        var train = (int[])split.Train.Clone();
        new NumpyRandomState(seed).Shuffle(train); // as DP's downsample_mask: a seeded choice among the training episodes
        return split with { Train = train[..max].Order().ToArray() };
    }

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
