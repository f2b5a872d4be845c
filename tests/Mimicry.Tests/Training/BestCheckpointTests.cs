using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.Policies.Tokens;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Training;

/// <summary>train.best_on: the checkpoint where a validation measure is lowest, kept as RUN/checkpoints/best and evaluated with --checkpoints best.</summary>
public class BestCheckpointTests
{
    private static RunConfig Tokens(string? bestOn, double valFraction = 0.3) => TinyRuns.For("tokens", 60) with
    {
        Train = TinyRuns.Train(60) with { CheckpointEvery = 10, LogEvery = 10, ValFraction = valFraction, BestOn = bestOn, UseEma = false },
    };

    [Fact]
    public void The_best_checkpoint_is_the_step_where_the_measure_was_lowest()
    {
        foreach (var (policy, measure) in new[] { ("tokens", ActionTokensPolicy.DecodedL1), ("bc", Trainer.BestOnValLoss) })
        {
            string run = TempDirs.New("best");
            try
            {
                var config = policy == "tokens" ? Tokens(measure) : TinyRuns.For("bc", 60) with { Train = Tokens(measure).Train with { UseEma = true } };
                using (var t = new Trainer(config, TinyRuns.PushT(), run)) t.Run();
                // Every checkpoint's measure, as the run logged it; the kept one is the lowest (the first, on a tie).
                var logged = TrainingCurve.ReadMetrics(Path.Combine(run, "metrics.jsonl"))
                    .Select(m => (m.Step, Value: measure == Trainer.BestOnValLoss ? m.ValLoss : m.ValMetrics?.GetValueOrDefault(measure))).ToList();
                Assert.Equal(6, logged.Count(x => x.Value != null));
                var lowest = logged.Where(x => x.Value != null).MinBy(x => x.Value!.Value);
                string best = Assert.Single(Checkpoint.Select(run, "best"));
                var chosen = JsonSerializer.Deserialize<BestCheckpoint>(File.ReadAllText(Path.Combine(best, Checkpoint.BestFile)), ConfigJson.Options)!;
                Assert.Equal((measure, lowest.Step), (chosen.Measure, chosen.Step));
                Assert.Equal(lowest.Value!.Value, chosen.Value, 9);
                Assert.Equal(lowest.Step, Trainer.SavedProgress(best)!.Value.Step);
                // It acts (its checksums hold), and an EMA run's best keeps its trained weights beside the average.
                Checkpoint.Load(best).Policy.Dispose();
                if (config.Train.UseEma) Checkpoint.Load(best, rawWeights: true).Policy.Dispose();
                Assert.Equal($"{Path.GetFileName(run)}@best", Assert.Single(RunEvaluation.Targets([run], "best", [])).Name);
                Assert.DoesNotContain(Checkpoint.Kept(run), k => k.Dir == best); // not one of the last K
            }
            finally { TempDirs.Delete(run); }
        }
    }

    [Fact]
    public void A_measure_the_policy_does_not_report_or_no_validation_data_is_refused_before_training()
    {
        string run = TempDirs.New("best-bad");
        try
        {
            var e = Assert.Throws<ArgumentException>(() => new Trainer(Tokens("decoded_l2"), TinyRuns.PushT(), run));
            Assert.Contains("decoded_l1", e.Message);
            Assert.Throws<ArgumentException>(() => new Trainer(TinyRuns.For("bc", 10) with { Train = Tokens(ActionTokensPolicy.DecodedL1).Train }, TinyRuns.PushT(), run));
            Assert.Contains("val_fraction", Assert.Throws<ArgumentException>(() => new Trainer(Tokens(Trainer.BestOnValLoss, valFraction: 0), TinyRuns.PushT(), run)).Message);
            Assert.Throws<ArgumentException>(() => Tokens("val loss").Validate());
            Assert.Contains("train.best_on", Assert.Throws<ArgumentException>(() => Checkpoint.Select(TempDirs.New("none"), "best")).Message);
        }
        finally { TempDirs.Delete(run); }
    }
}
