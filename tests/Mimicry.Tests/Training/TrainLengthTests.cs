using Mimicry.Configuration;
using Mimicry.Training;

namespace Mimicry.Tests.Training;

/// <summary>train.minutes: a run fits its length to its own step rate, keeps the schedule's shape, and keeps that length on resume.</summary>
public class TrainLengthTests
{
    /// <summary>Worked by hand: 1 minute, 4 s spent by step 25 at 0.05 s per step leaves 56 s = 1,120 steps, 1,145 in all;
    /// against the planned 1,000 the factor is 1.145, so warm-up 80 → 91.6 → 92 and checkpoints every 50 → 57.25 → 57.</summary>
    [Fact]
    public void The_fitted_length_fills_the_minutes_and_scales_the_schedule()
    {
        var tc = new TrainConfig { Steps = 1000, WarmupSteps = 80, CheckpointEvery = 50, Minutes = 1 };
        Assert.Equal(new TrainLength(1145, 92, 57, 0.05), TrainLength.Fit(tc, 25, 4, 0.05));
        Assert.Equal(26, TrainLength.Fit(tc, 25, 70, 0.05).Steps); // over budget already: one more step, the final one
        Assert.Throws<ArgumentException>(() => (tc with { Minutes = -1 }).Validate());
    }

    [Fact]
    public void A_minutes_run_trains_its_fitted_length_and_keeps_it_on_resume()
    {
        var config = TinyRuns.For("bc", 40) with { Train = TinyRuns.Train(40) with { Minutes = 0.02, CheckpointEvery = 8 } };
        var data = TinyRuns.PushT(4);
        string dir = TempDirs.New("minutes");
        string checkpoint = Path.Combine(dir, "checkpoint");

        // Stopped before its steps are timed: no length yet, so not finished.
        using (var cts = new CancellationTokenSource())
        using (var early = new Trainer(config, data, dir))
        {
            early.Run(progress: p => { if (p.Step == 3) cts.Cancel(); }, cancel: cts.Token);
            Assert.Equal(3, early.Step);
            Assert.Null(early.Length);
            Assert.Null(Trainer.PlannedSteps(checkpoint, config.Train));
            Assert.False(Trainer.Finished(checkpoint, config.Train));
        }

        // Resumed: times steps 8..28 of this call and fits its length at step 28 (at least one more step), then is stopped there.
        TrainLength fitted;
        using (var cts = new CancellationTokenSource())
        using (var first = new Trainer(config, data, dir))
        {
            first.Run(resume: true, progress: p => { if (p.Step == 28) cts.Cancel(); }, cancel: cts.Token);
            fitted = first.Length!;
            Assert.Equal(28, first.Step);
            Assert.True(fitted.SecondsPerStep > 0);
            double factor = fitted.Steps / 40.0; // the schedule scaled by one factor against train.steps
            Assert.Equal((int)Math.Round(10 * factor), fitted.WarmupSteps);
            Assert.Equal(Math.Max(1, (int)Math.Round(8 * factor)), fitted.CheckpointEvery);
            Assert.Equal(fitted.Steps, Trainer.PlannedSteps(checkpoint, config.Train));
            Assert.True(fitted.Steps > 28);
            Assert.False(Trainer.Finished(checkpoint, config.Train));
        }

        // Resumed again: no new timing, the saved length is trained to its end.
        using (var second = new Trainer(config, data, dir))
        {
            second.Run(resume: true);
            Assert.Equal(fitted, second.Length);
            Assert.Equal(fitted.Steps, second.Step);
            Assert.True(Trainer.Finished(checkpoint, config.Train));
        }
    }
}
