
namespace Mimicry.Data;

/// <summary>
/// Features computed from a dataset's own columns, once, when a policy declares them:
/// <c>frame_index</c> (0, 1, ... within each episode) and <c>return_to_go</c> (the undiscounted sum of
/// <c>next.reward</c> from the frame to the episode's end, R̂_t = Σ_{t'≥t} r_t', Chen et al. 2021 §3) and
/// <c>episode_max_reward</c> (the episode's highest reward, on every frame).
/// </summary>
public static class DerivedFeatures
{
    public static readonly string[] Names = [FeatureKeys.FrameIndex, FeatureKeys.ReturnToGo, FeatureKeys.EpisodeMaxReward];

    /// <summary>Adds every derived feature among <paramref name="keys"/> that the dataset lacks, with its statistics.</summary>
    public static void Ensure(EpisodeDataset dataset, IEnumerable<string> keys)
    {
        foreach (var key in keys.Where(k => Names.Contains(k) && !dataset.Has(k)))
        {
            var values = key switch
            {
                FeatureKeys.FrameIndex => FrameIndex(dataset),
                FeatureKeys.ReturnToGo => ReturnToGo(dataset),
                _ => EpisodeMaxReward(dataset),
            };
            dataset.AddFeature(new FeatureInfo(key, FeatureDType.Float32, [1]), values);
            if (dataset.Stats != null) dataset.Stats.Features[key] = FeatureStats.Compute(values, 1);
        }
    }

    public static float[] FrameIndex(EpisodeDataset d)
    {
        var v = new float[d.Frames];
        for (int e = 0; e < d.Episodes; e++)
            for (long t = d.EpisodeStart(e), i = 0; t < d.EpisodeEnds[e]; t++, i++) v[t] = i;
        return v;
    }

    public static float[] ReturnToGo(EpisodeDataset d)
    {
        if (!d.Has(FeatureKeys.Reward)) throw new InvalidDataException($"{d.Source ?? "the dataset"} has no '{FeatureKeys.Reward}' to compute '{FeatureKeys.ReturnToGo}' from");
        var r = d.Values(FeatureKeys.Reward);
        var v = new float[d.Frames];
        for (int e = 0; e < d.Episodes; e++)
        {
            double sum = 0;
            for (long t = d.EpisodeEnds[e] - 1; t >= d.EpisodeStart(e); t--) v[t] = (float)(sum += r[t]);
        }
        return v;
    }

    public static float[] EpisodeMaxReward(EpisodeDataset d)
    {
        if (!d.Has(FeatureKeys.Reward)) throw new InvalidDataException($"{d.Source ?? "the dataset"} has no '{FeatureKeys.Reward}' to compute '{FeatureKeys.EpisodeMaxReward}' from");
        var r = d.Values(FeatureKeys.Reward);
        var v = new float[d.Frames];
        for (int e = 0; e < d.Episodes; e++)
        {
            float max = float.NegativeInfinity;
            for (long t = d.EpisodeStart(e); t < d.EpisodeEnds[e]; t++) max = Math.Max(max, r[t]);
            for (long t = d.EpisodeStart(e); t < d.EpisodeEnds[e]; t++) v[t] = max;
        }
        return v;
    }

    /// <summary>Each episode's return: a mixed dataset's label, else the best reward over the episode (<see cref="EpisodeMaxReward"/>).</summary>
    public static double[] EpisodeReturns(EpisodeDataset d)
    {
        if (d.EpisodeLabels is { } labels) return labels.Select(l => l.Return).ToArray();
        var max = EpisodeMaxReward(d);
        return Enumerable.Range(0, d.Episodes).Select(e => (double)max[d.EpisodeStart(e)]).ToArray();
    }
}
