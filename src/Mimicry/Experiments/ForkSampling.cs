using Mimicry.Configuration;
using Mimicry.Envs.Fork;
using Mimicry.Policies;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Experiments;

/// <summary>Where sampled actions land at the fork: fractions left (x &lt; -0.1), right (x &gt; 0.1) and in the middle.</summary>
public sealed record ForkSamples(double Left, double Middle, double Right, double MeanX, int StepIndex);

/// <summary>What a policy would do at the fork, sampled many times from one observation (compare, multimodal, guidance).</summary>
public static class ForkSampling
{
    /// <summary>
    /// Samples action chunks from the start of the task (both observations at (0, -0.9)) and looks at the
    /// last executed action of each chunk, 8 steps out, where the demonstrations are already beside the obstacle.
    /// </summary>
    public static ForkSamples Sample(IPolicy policy, int n, int seed, out (double X, double Y)[] points)
    {
        if (policy is not IChunkingPolicy chunking) throw new NotSupportedException($"{policy.Config.Name} does not predict action chunks to sample at the fork");
        int to = policy.Config.NObsSteps, k = policy.Config.NActionSteps - 1;
        using var scope = torch.NewDisposeScope();
        var obs = torch.tensor(new float[] { 0, -0.9f }).reshape(1, 1, 2).expand(n, to, 2).contiguous();
        using var gen = new Generator((ulong)seed + 99);
        var actions = chunking.PredictChunk(obs, gen); // (n, H - To + 1, 2)
        var a = actions[.., k].contiguous().data<float>().ToArray();
        points = Enumerable.Range(0, n).Select(i => ((double)a[2 * i], (double)a[2 * i + 1])).ToArray();
        double left = points.Count(p => p.X < -0.1) / (double)n, right = points.Count(p => p.X > 0.1) / (double)n;
        return new ForkSamples(left, 1 - left - right, right, points.Average(p => p.X), k);
    }

    /// <summary>
    /// The fork experiments' shared training settings (multimodal, guidance): warm-up over a tenth of the steps (at most
    /// 100), no validation split, one checkpoint at the end, the training seed one past the data's, one thread (small
    /// networks: one thread is nearly as fast and never oversubscribes the machine).
    /// </summary>
    public static TrainConfig Training(int steps, int batchSize, double lr, int seed) => new()
    {
        Steps = steps, BatchSize = batchSize, Lr = lr, WarmupSteps = Math.Min(100, steps / 10), ValFraction = 0,
        LogEvery = Math.Max(1, steps / 10), CheckpointEvery = steps, Seed = seed + 1, Threads = 1,
    };

    /// <summary>The obstacle and the goal, drawn on a plot of the task's square.</summary>
    public static void AddTask(Plot plt)
    {
        var obstacle = plt.Add.Circle(ForkEnv.ObstacleCenter.X, ForkEnv.ObstacleCenter.Y, ForkEnv.ObstacleRadius);
        obstacle.FillColor = Colors.LightSlateGray.WithAlpha(0.6);
        obstacle.LineColor = Colors.SlateGray;
        var goal = plt.Add.Circle(ForkEnv.Goal.X, ForkEnv.Goal.Y, ForkEnv.GoalRadius);
        goal.FillColor = Colors.LightGreen.WithAlpha(0.7);
        goal.LineColor = Colors.Green;
        plt.Axes.SetLimits(-1.0, 1.0, -1.0, 1.05);
        plt.Axes.SquareUnits();
    }
}
