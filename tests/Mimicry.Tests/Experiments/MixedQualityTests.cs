using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Evaluation;
using Mimicry.Tests.Training;
using Mimicry.Experiments.ReturnConditioning;

namespace Mimicry.Tests.Experiments;

public class MixedQualityTests
{
    [Fact]
    public void A_mix_labels_every_episode_with_its_source_and_best_reward_and_the_labels_survive_a_round_trip()
    {
        var human = TinyRuns.PushT(12);
        var mixed = MixedQualityData.Build(human, new MixOptions { NoiseScales = [0.001, 40], NoiseEpisodes = 3, TruncateFractions = [0.5], TruncateEpisodes = 2 });
        Assert.Equal(human.Episodes + 2 * 3 + 2, mixed.Episodes);
        var labels = mixed.EpisodeLabels!;
        Assert.Equal(human.Episodes, labels.Count(l => l.Source == "human"));
        Assert.Equal(3, labels.Count(l => l.Source == "noise-40px"));
        Assert.Equal(2, labels.Count(l => l.Source == "truncated-50pct"));
        // Every label's return is the best per-frame reward of its episode, read back from the frames.
        var r = mixed.Values(FeatureKeys.Reward);
        for (int e = 0; e < mixed.Episodes; e++)
            Assert.InRange(labels[e].Return - Enumerable.Range((int)mixed.EpisodeStart(e), mixed.EpisodeLength(e)).Max(t => (double)r[t]), -1e-5, 1e-5);
        // Human episodes are copied frame for frame; a truncated one keeps floor(0.5 L) frames of a human episode.
        Assert.Equal(human.Values(FeatureKeys.Keypoints).Take(20 * human.EpisodeLength(0)), mixed.Values(FeatureKeys.Keypoints).Take(20 * human.EpisodeLength(0)));
        int firstTruncated = labels.ToList().FindIndex(l => l.Source.StartsWith("truncated"));
        var lengths = Enumerable.Range(0, human.Episodes).Select(human.EpisodeLength).ToHashSet();
        Assert.Contains(lengths, l => l / 2 == mixed.EpisodeLength(firstTruncated));
        // Replaying human actions with negligible noise from the recorded first state scores as the human did;
        // heavy noise scores worse on average.
        var replayed = labels.Select((l, e) => (l, e)).Where(x => x.l.Source == "noise-0px").ToList();
        var humanReturns = Enumerable.Range(0, human.Episodes).Select(e => labels[e].Return).ToList();
        Assert.All(replayed, x => Assert.Contains(humanReturns, h => Math.Abs(h - x.l.Return) < 1e-3));
        Assert.True(labels.Where(l => l.Source == "noise-40px").Average(l => l.Return) < replayed.Average(x => x.l.Return) - 0.1);

        string dir = TempDirs.New("mix");
        try
        {
            LeRobotDataset.Save(mixed, Path.Combine(dir, "d"));
            var back = LeRobotDataset.Load(Path.Combine(dir, "d"));
            Assert.Equal(labels, back.EpisodeLabels!);
            MixedQualityData.DrawReturns(back, Path.Combine(dir, "returns.png"));
            Assert.True(new FileInfo(Path.Combine(dir, "returns.png")).Length > 1000);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Min_episode_return_trains_on_the_good_episodes_only()
    {
        var human = TinyRuns.PushT(8);
        var mixed = MixedQualityData.Build(human, new MixOptions { NoiseScales = [60], NoiseEpisodes = 8, TruncateFractions = [0.3], TruncateEpisodes = 4 });
        double threshold = mixed.EpisodeLabels!.Where(l => l.Source == "human").Min(l => l.Return);
        int expected = mixed.EpisodeLabels!.Count(l => l.Return >= threshold);
        Assert.True(expected >= 8 && expected < mixed.Episodes);
        string dir = TempDirs.New("filtered");
        try
        {
            var config = TinyRuns.For("bc", 1) with { Train = TinyRuns.Train(1) with { ValFraction = 0, MinEpisodeReturn = threshold } };
            using (var trainer = new Mimicry.Training.Trainer(config, mixed, dir)) Assert.Equal(expected, trainer.TrainEpisodes);
            var none = config with { Train = config.Train with { MinEpisodeReturn = 1.5 } };
            var e = Assert.Throws<ArgumentException>(() => new Mimicry.Training.Trainer(none, mixed, Path.Combine(dir, "none")));
            Assert.Contains("train.min_episode_return 1.5", e.Message);
        }
        finally { TempDirs.Delete(dir); }
    }
}
