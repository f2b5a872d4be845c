using Mimicry.Data;
using Mimicry.Numerics;

namespace Mimicry.Envs.Fork;

/// <summary>
/// The scripted demonstrator: at the start it picks a side at random (left or right, 50/50), then
/// walks at full speed through two waypoints beside the obstacle, (±0.5, -0.3) and (±0.5, 0.3), to the
/// goal. Its action is the point one full step ahead on that path plus a little Gaussian noise.
/// </summary>
public static class ForkExpert
{
    public const double Side = 0.5, ActionNoise = 0.005;

    /// <summary>Which side the demonstrator took, on every frame of its episode: -1 left, +1 right. Not observed
    /// by the policy; a condition to steer by (classifier-free guidance).</summary>
    public const string SideKey = "demo.side";

    /// <summary>LeRobot's robot_type for fork datasets.</summary>
    public const string RobotType = "point";

    /// <summary>Rolls out <paramref name="episodes"/> demonstrations (episode e uses env seed seed+e) as a dataset.</summary>
    public static EpisodeDataset Demonstrations(int episodes, int seed = 0)
    {
        var state = new List<float>();
        var action = new List<float>();
        var reward = new List<float>();
        var success = new List<float>();
        var done = new List<float>();
        var sides = new List<float>();
        var ends = new long[episodes];
        var rng = new NumpyRandomState(seed);
        using var env = new ForkEnv();
        for (int e = 0; e < episodes; e++)
        {
            env.Reset(seed + e);
            double side = rng.NextDouble() < 0.5 ? -1 : 1;
            var waypoints = new[] { (side * Side, -0.3), (side * Side, 0.3), ForkEnv.Goal };
            int w = 0;
            while (true)
            {
                var p = env.Position;
                while (w < waypoints.Length - 1 && ForkEnv.Distance(p, waypoints[w]) < ForkEnv.MaxStep) w++;
                var target = waypoints[w];
                double d = ForkEnv.Distance(p, target), s = d > ForkEnv.MaxStep ? ForkEnv.MaxStep / d : 1;
                double ax = p.X + s * (target.Item1 - p.X) + ActionNoise * rng.Randn();
                double ay = p.Y + s * (target.Item2 - p.Y) + ActionNoise * rng.Randn();
                state.Add((float)p.X); state.Add((float)p.Y);
                action.Add((float)ax); action.Add((float)ay);
                var r = env.Step([ax, ay]);
                reward.Add((float)r.Reward);
                success.Add(r.Success ? 1 : 0);
                bool end = r.Success || env.Collided || env.Steps >= ForkEnv.MaxSteps;
                done.Add(end ? 1 : 0);
                sides.Add((float)side);
                if (end) break;
            }
            ends[e] = state.Count / 2;
        }
        var features = new[]
        {
            new FeatureInfo(FeatureKeys.State, FeatureDType.Float32, [2], ["x", "y"]),
            new FeatureInfo(FeatureKeys.Action, FeatureDType.Float32, [2], ["target_x", "target_y"]),
            new FeatureInfo(FeatureKeys.Reward, FeatureDType.Float32, [1]),
            new FeatureInfo(FeatureKeys.Success, FeatureDType.Bool, [1]),
            new FeatureInfo(FeatureKeys.Done, FeatureDType.Bool, [1]),
            new FeatureInfo(SideKey, FeatureDType.Float32, [1], ["side"]),
        };
        var d2 = new EpisodeDataset(features, ends, new Dictionary<string, float[]>
        {
            [FeatureKeys.State] = state.ToArray(), [FeatureKeys.Action] = action.ToArray(),
            [FeatureKeys.Reward] = reward.ToArray(), [FeatureKeys.Success] = success.ToArray(), [FeatureKeys.Done] = done.ToArray(),
            [SideKey] = sides.ToArray(),
        }, fps: 10, task: "Reach the goal past the obstacle, on either side.") { EnvTask = Tasks.Fork };
        d2.Stats = DatasetStats.Compute(d2);
        return d2;
    }
}
