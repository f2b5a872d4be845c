using Mimicry.Data;
using Mimicry.Numerics;

namespace Mimicry.Envs.Stitch;

/// <summary>
/// The stitching toy's dataset: only suboptimal trajectories from S, and the good one from elsewhere.
/// <list type="bullet">
/// <item>S → M → X (return 0): <c>throughM</c> episodes;</item>
/// <item>Y → M → G (return 1, starts at Y, never at S): <c>fromY</c> episodes;</item>
/// <item>S → Z (return 0.5): <c>toZ</c> episodes.</item>
/// </list>
/// Actions are the edge choice (−1 first, +1 second) plus Gaussian noise (σ 0.05, clipped to [−1, 1]) so a
/// regression sees a spread, as demonstrations have.
/// </summary>
public static class StitchData
{
    /// <summary>LeRobot robot_type of the stitching datasets.</summary>
    public const string RobotType = "graph";

    public static EpisodeDataset Demonstrations(int throughM = 100, int fromY = 100, int toZ = 50, int seed = 0)
    {
        var rng = new NumpyRandomState(seed);
        var plans = Enumerable.Repeat((StitchEnv.Node.S, new[] { -1.0, -1.0 }), throughM)
            .Concat(Enumerable.Repeat((StitchEnv.Node.Y, new[] { -1.0, 1.0 }), fromY))
            .Concat(Enumerable.Repeat((StitchEnv.Node.S, new[] { 1.0 }), toZ))
            .ToArray();
        var state = new List<float>();
        var action = new List<float>();
        var reward = new List<float>();
        var success = new List<float>();
        var done = new List<float>();
        var ends = new long[plans.Length];
        var obs = new float[StitchEnv.NodeCount];
        for (int e = 0; e < plans.Length; e++)
        {
            var (start, choices) = plans[e];
            using var env = new StitchEnv(start);
            env.Reset(e);
            for (int t = 0; t < choices.Length; t++)
            {
                env.Observe(ObservationKind.State, obs);
                state.AddRange(obs);
                double a = Math.Clamp(choices[t] + 0.05 * rng.Randn(), -1, 1);
                if (Math.Sign(a) != Math.Sign(choices[t])) a = choices[t]; // the noise never flips the choice
                action.Add((float)a);
                var r = env.Step([a]);
                reward.Add((float)r.Reward);
                success.Add(r.Success ? 1 : 0);
                done.Add(t == choices.Length - 1 ? 1 : 0);
            }
            if (!StitchEnv.IsTerminal(env.Current)) throw new InvalidOperationException($"stitch plan {e} did not end at a terminal node");
            ends[e] = action.Count;
        }
        var features = new[]
        {
            new FeatureInfo(FeatureKeys.State, FeatureDType.Float32, [StitchEnv.NodeCount], Enum.GetNames<StitchEnv.Node>()),
            new FeatureInfo(FeatureKeys.Action, FeatureDType.Float32, [1], ["edge"]),
            new FeatureInfo(FeatureKeys.Reward, FeatureDType.Float32, [1]),
            new FeatureInfo(FeatureKeys.Success, FeatureDType.Bool, [1]),
            new FeatureInfo(FeatureKeys.Done, FeatureDType.Bool, [1]),
        };
        var d = new EpisodeDataset(features, ends, new Dictionary<string, float[]>
        {
            [FeatureKeys.State] = state.ToArray(), [FeatureKeys.Action] = action.ToArray(),
            [FeatureKeys.Reward] = reward.ToArray(), [FeatureKeys.Success] = success.ToArray(), [FeatureKeys.Done] = done.ToArray(),
        }, fps: 1, task: "Reach G from S on a small graph whose data hold no S-to-G path.") { EnvTask = Tasks.Stitch };
        d.Stats = DatasetStats.Compute(d);
        return d;
    }
}
