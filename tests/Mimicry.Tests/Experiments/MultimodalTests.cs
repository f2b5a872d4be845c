using Mimicry.Envs.Fork;
using Mimicry.Evaluation;
using Mimicry.Tests.Envs;
using Mimicry.Experiments.Multimodal;

namespace Mimicry.Tests.Experiments;

[Collection(nameof(MemoryMeasurements))]
public class MultimodalTests
{
    [Fact]
    public void Expert_demonstrations_go_both_ways_and_succeed()
    {
        var d = ForkExpert.Demonstrations(100, seed: 3);
        var s = d.Values(Mimicry.Data.FeatureKeys.State);
        int left = 0, right = 0;
        for (int e = 0; e < d.Episodes; e++)
        {
            // x at the obstacle's height tells the side
            int mid = Enumerable.Range((int)d.EpisodeStart(e), d.EpisodeLength(e)).First(t => s[2 * t + 1] > 0);
            if (s[2 * mid] < 0) left++; else right++;
            Assert.Equal(1f, d.Values(Mimicry.Data.FeatureKeys.Success)[d.EpisodeEnds[e] - 1]);
        }
        Assert.InRange(left, 35, 65);
        // Every demonstration passes beside the obstacle, never through its middle.
        for (int e = 0; e < d.Episodes; e++)
        {
            int mid = Enumerable.Range((int)d.EpisodeStart(e), d.EpisodeLength(e)).First(t => s[2 * t + 1] > 0);
            Assert.True(Math.Abs(s[2 * mid]) > ForkEnv.ObstacleRadius, $"episode {e} crosses y = 0 at x = {s[2 * mid]}");
        }
    }

    [Fact]
    public void Env_is_fast_and_going_straight_hits_the_obstacle()
    {
        using var env = new ForkEnv();
        env.Reset(0);
        for (int i = 0; i < 40 && !env.Collided; i++) env.Step([0.0, 1.0]);
        Assert.True(env.Collided);
        Assert.False(env.Reached);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int steps = 0;
        while (steps < 20_000) { env.Reset(steps); for (int i = 0; i < 40; i++, steps++) env.Step([0.5, 0.5]); }
        Assert.True(steps / sw.Elapsed.TotalSeconds > 1000); // thousands of steps per second, with a wide margin
    }

    [Fact]
    public void Diffusion_succeeds_where_BC_averages_modes()
    {
        string dir = TempDirs.New("multimodal");
        try
        {
            var options = new MultimodalOptions
            {
                Demonstrations = 100, Steps = 1500, BatchSize = 128, Lr = 1e-3, EvalEpisodes = 50, ForkSamples = 100,
                Settings = new Dictionary<string, string[]> { ["diffusion"] = ["policy.down_dims=[16,32,64]"] },
            };
            var rows = MultimodalExperiment.Run(options, dir, Console.WriteLine);
            Assert.Equal(["diffusion", "bc"], rows.Select(r => r.Policy));
            var (diffusion, bc) = (rows[0], rows[1]);
            Assert.True(diffusion.Eval.SuccessRate >= 0.9, $"diffusion success {diffusion.Eval.SuccessRate:P0}");
            Assert.True(bc.Eval.SuccessRate <= 0.3, $"bc success {bc.Eval.SuccessRate:P0}");
            // At the fork, diffusion's samples fall on both sides, few in between; BC's sit in the middle.
            Assert.True(diffusion.Samples.Left >= 0.25 && diffusion.Samples.Right >= 0.25, $"diffusion samples {diffusion.Samples}");
            Assert.True(diffusion.Samples.Middle <= 0.2, $"diffusion samples {diffusion.Samples}");
            Assert.True(bc.Samples.Middle >= 0.9, $"bc samples {bc.Samples}");
            Assert.True(File.Exists(Path.Combine(dir, "rollouts.png")));
            Assert.True(File.Exists(Path.Combine(dir, "fork_samples.png")));
        }
        finally { TempDirs.Delete(dir); }
    }
}
