using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Evaluation;
using Mimicry.Nn;
using Mimicry.Policies;
using Mimicry.Policies.Bet;
using Mimicry.Tests.Training;
using Mimicry.Tokenizers;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;
using TorchSharp;

namespace Mimicry.Tests.Policies;

public class BetTests
{
    /// <summary>Three tight clusters around (−1, 0), (1, 0), (0, 2): k-means with 3 bins finds their means.</summary>
    [Fact]
    public void KMeans_finds_the_cluster_means()
    {
        var rng = new Random(1);
        var truth = new[] { (-1f, 0f), (1f, 0f), (0f, 2f) };
        var points = new List<float>();
        for (int i = 0; i < 300; i++)
        {
            var (x, y) = truth[i % 3];
            points.Add(x + (float)(0.05 * (rng.NextDouble() - 0.5)));
            points.Add(y + (float)(0.05 * (rng.NextDouble() - 0.5)));
        }
        var bins = KMeansBins.Fit(points.ToArray(), 2, 3, seed: 4);
        foreach (var (x, y) in truth)
        {
            int k = bins.Nearest([x, y]);
            Assert.Equal(x, bins.Centers[2 * k], 1);
            Assert.Equal(y, bins.Centers[2 * k + 1], 1);
        }
        Assert.Equal(3, truth.Select(t => bins.Nearest([t.Item1, t.Item2])).Distinct().Count());
    }

    /// <summary>p = softmax([0, ln 3]) = (0.25, 0.75), target 1: −(1 − 0.75)^γ · ln 0.75.</summary>
    [Theory]
    [InlineData(0.0, 0.2876820724517809)]
    [InlineData(2.0, 0.0625 * 0.2876820724517809)]
    public void Focal_loss_matches_a_hand_worked_value(double gamma, double expected)
    {
        using var logits = torch.tensor(new[] { 0f, (float)Math.Log(3) }).reshape(1, 2);
        using var target = torch.tensor(new long[] { 1 });
        using var loss = FocalLoss.Compute(logits, target, gamma);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    /// <summary>With chunk_size 3 a code is a_t, a_t+1, a_t+2 (the episode's last action repeated past its end): one bin's centre is
    /// the mean of those chunks, worked here frame by frame from the normalized actions.</summary>
    [Fact]
    public void Chunk_codes_are_fitted_on_action_chunks()
    {
        var data = ForkExpert.Demonstrations(3, seed: 1);
        DerivedFeatures.Ensure(data, []);
        data.Stats ??= DatasetStats.Compute(data);
        var cfg = new BetConfig { ObservationKey = FeatureKeys.State, Bins = 1, EmbedDim = 16, NLayer = 1, NHead = 2, NObsSteps = 2, ChunkSize = 3, Horizon = 4, NActionSteps = 3 };
        using var policy = new BetPolicy(cfg, PolicyNormalizers.From(data.Stats, cfg));
        policy.Fit(data, [0, 2]);
        var actions = (float[])data.Values(FeatureKeys.Action).Clone();
        policy.Normalizers[FeatureKeys.Action].Normalize(actions);
        var mean = new double[6];
        int n = 0;
        foreach (int e in new[] { 0, 2 })
        {
            int start = (int)data.EpisodeStart(e), length = data.EpisodeLength(e);
            for (int t = 0; t < length; t++, n++)
                for (int j = 0; j < 3; j++)
                    for (int d = 0; d < 2; d++)
                        mean[2 * j + d] += actions[2 * (start + Math.Min(t + j, length - 1)) + d];
        }
        var centre = ((BetNetwork)policy.Network).Centers.data<float>().ToArray();
        Assert.Equal(6, centre.Length);
        for (int i = 0; i < 6; i++) Assert.Equal(mean[i] / n, centre[i], 4);
    }

    /// <summary>On the fork (the demonstrator goes left or right of the obstacle, half each), BeT's bins keep both modes:
    /// it reaches the goal and goes both ways, where regression averages them into the obstacle; so do codes of 4-action chunks.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BeT_goes_both_ways_on_the_fork(int chunk)
    {
        string run = TempDirs.New("bet-fork");
        try
        {
            var config = new RunConfig
            {
                Dataset = "(in memory)", Task = Tasks.Fork,
                Policy = chunk == 1 ? new BetConfig { ObservationKey = FeatureKeys.State, Bins = 16, EmbedDim = 64, NLayer = 2, NHead = 4 }
                    : new BetConfig { ObservationKey = FeatureKeys.State, Bins = 16, EmbedDim = 64, NLayer = 2, NHead = 4, ChunkSize = chunk, Horizon = 3 - 1 + chunk, NActionSteps = chunk },
                Train = TinyRuns.Train(800, batch: 128, lr: 1e-3) with { WeightDecay = 0.1, Beta2 = 0.95, GradClipNorm = 1, UseEma = false },
            };
            using (var trainer = new Trainer(config, ForkExpert.Demonstrations(100, seed: 3), run)) trainer.Run();
            var (_, policy) = Checkpoint.Load(run);
            using (policy)
            {
                var side = new double[40];
                var result = Evaluator.Run(policy, () => new ForkEnv(), new EvalOptions(Episodes: 40, MaxSteps: ForkEnv.MaxSteps, SamplingSeed: 2),
                    onStep: (i, e) =>
                    {
                        var s = new float[2];
                        e.Observe(ObservationKind.State, s);
                        if (side[i] == 0 && s[1] > 0) side[i] = s[0]; // x where the path crosses the obstacle's height
                    });
                int left = side.Count(x => x < 0), right = side.Count(x => x > 0);
                Console.WriteLine($"BeT (chunk {chunk}) on the fork: success {result.SuccessRate:P0}, left {left}, right {right}");
                Assert.True(result.SuccessRate >= 0.6, $"success {result.SuccessRate:P0}");
                Assert.True(left >= 8 && right >= 8, $"left {left}, right {right}: one mode only");
            }
        }
        finally { TempDirs.Delete(run); }
    }
}
