using Mimicry.Data;

namespace Mimicry.Tests.Data;

/// <summary>Small synthetic datasets whose values encode (episode, frame), so windows can be checked by eye.</summary>
internal static class DatasetFactory
{
    /// <summary>state[t] = [100*episode + frame, -frame]; action[t] = [1000*episode + frame, 0.5*frame].</summary>
    public static EpisodeDataset Make(params int[] lengths)
    {
        long total = lengths.Sum();
        var ends = new long[lengths.Length];
        var state = new float[total * 2];
        var action = new float[total * 2];
        var reward = new float[total];
        var done = new float[total];
        long t = 0;
        for (int e = 0; e < lengths.Length; e++)
        {
            for (int f = 0; f < lengths[e]; f++, t++)
            {
                state[t * 2] = 100 * e + f; state[t * 2 + 1] = -f;
                action[t * 2] = 1000 * e + f; action[t * 2 + 1] = 0.5f * f;
                reward[t] = f / (float)lengths[e];
            }
            done[t - 1] = 1;
            ends[e] = t;
        }
        var features = new[]
        {
            new FeatureInfo(FeatureKeys.State, FeatureDType.Float32, [2], ["a", "b"]),
            new FeatureInfo(FeatureKeys.Action, FeatureDType.Float32, [2]),
            new FeatureInfo(FeatureKeys.Reward, FeatureDType.Float32, [1]),
            new FeatureInfo(FeatureKeys.Done, FeatureDType.Bool, [1]),
        };
        return new EpisodeDataset(features, ends, new Dictionary<string, float[]>
        {
            [FeatureKeys.State] = state, [FeatureKeys.Action] = action, [FeatureKeys.Reward] = reward, [FeatureKeys.Done] = done,
        }, fps: 10, task: "count");
    }

}
