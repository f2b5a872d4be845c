using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;
using static TorchSharp.torch;

namespace Mimicry.Tests.Training;

/// <summary>
/// EMA is a shadow copy that never feeds back into training, so an EMA run holds the run without EMA too: its trained weights,
/// kept beside the average in every checkpoint and acted with <c>--weights raw</c>. A sweep then chooses EMA at no training cost.
/// </summary>
public class RawWeightsTests
{
    private static RunConfig Bc(bool ema) => TinyRuns.For("bc", 30) with // tiny BC has dropout: it draws from the default generator every step
    {
        Train = TinyRuns.Train(30) with { UseEma = ema, CheckpointEvery = 15, KeepCheckpoints = 2 },
    };

    private static float MaxDifference(string a, bool rawA, string b, bool rawB)
    {
        var (_, pa) = Checkpoint.Load(a, rawWeights: rawA);
        var (_, pb) = Checkpoint.Load(b, rawWeights: rawB);
        using (pa)
        using (pb)
        {
            var sb = pb.Network.state_dict();
            float max = 0;
            foreach (var (name, t) in pa.Network.state_dict())
                max = Math.Max(max, (t - sb[name]).abs().max().item<float>());
            return max;
        }
    }

    [Fact]
    public void An_EMA_runs_trained_weights_are_exactly_the_run_without_EMA_at_every_kept_checkpoint()
    {
        string withEma = TempDirs.New("ema"), without = TempDirs.New("noema"), report = TempDirs.New("raw-eval");
        try
        {
            var data = TinyRuns.PushT();
            using (var t = new Trainer(Bc(ema: true), data, withEma)) t.Run();
            using (var t = new Trainer(Bc(ema: false), TinyRuns.PushT(), without)) t.Run();

            // The run's checkpoint and both kept steps: raw weights of the EMA run = the weights of the run trained without it.
            Assert.Equal(0f, MaxDifference(withEma, true, without, false));
            var keptEma = Checkpoint.Kept(withEma);
            var keptPlain = Checkpoint.Kept(without);
            Assert.Equal([15, 30], keptEma.Select(k => k.Step));
            for (int i = 0; i < 2; i++) Assert.Equal(0f, MaxDifference(keptEma[i].Dir, true, keptPlain[i].Dir, false));
            // Measuring the acting weights during training (an EMA run builds a second policy for it) changes nothing either.
            string measured = TempDirs.New("ema-evals");
            try
            {
                var config = Bc(ema: true) with { Train = Bc(ema: true).Train with { EvalEvery = 10 } };
                using (var t = new Trainer(config, TinyRuns.PushT(), measured)) t.Run(evaluate: _ => new ActingScore(0, 0));
                Assert.Equal(0f, MaxDifference(measured, true, without, false));
            }
            finally { TempDirs.Delete(measured); }
            // The average is another set of weights (so the equalities above can fail), and a run without EMA acts raw as it is.
            Assert.True(MaxDifference(withEma, false, without, false) > 1e-4f);
            Assert.Equal(0f, MaxDifference(keptPlain[0].Dir, true, keptPlain[0].Dir, false));

            // --weights both: a raw row beside each EMA checkpoint, none beside a run that kept no EMA.
            var targets = RunEvaluation.Targets([withEma, without], "last:2", [], WeightsChoice.Both);
            Assert.Equal([false, true, false, true, false, false], targets.Select(x => x.RawWeights));
            Assert.EndsWith("@15" + RunEvaluation.RawSuffix, targets[1].Name);
            // Evaluated, the raw rows are their own method in the paper-style summary: two checkpoints each, not four in one.
            var evaluated = RunEvaluation.Evaluate(targets.Take(4).ToList(), new EvalOptions(1, MaxSteps: 10), "cpu", gif: false, report);
            var methods = evaluated.Summary;
            Assert.Equal(2, methods.Count);
            Assert.All(methods, m => Assert.Equal(2, Assert.Single(m.Runs).Checkpoints));
            Assert.Contains(methods, m => m.Label.Contains("raw weights"));

            // A kept checkpoint of an EMA run without its trained weights (written before they were kept) says so in one line.
            string old = keptEma[0].Dir;
            File.Delete(Path.Combine(old, Checkpoint.TrainingDir, Checkpoint.RawModelFile));
            Checkpoint.SealFiles(old);
            var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(old, rawWeights: true));
            Assert.Contains("keeps only its averaged weights", e.Message);
            Assert.Throws<FileNotFoundException>(() => RunEvaluation.Evaluate([new EvalTarget(old, "old", [], RawWeights: true)], new EvalOptions(1), "cpu", false, report));
        }
        finally { TempDirs.Delete(withEma, without, report); }
    }
}
