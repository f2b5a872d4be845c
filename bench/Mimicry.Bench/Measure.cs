using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Training;
using TorchSharp;

namespace Mimicry.Bench;

/// <summary>What every bench times and watches the same way.</summary>
public static class Measure
{
    /// <summary>Best wall time of one call over <paramref name="repeats"/> timed calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double BestOf(int repeats, int warmup, Action body)
    {
        for (int i = 0; i < warmup; i++) body();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            body();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>Trains <paramref name="config"/> through the real Trainer and reads live tensors and RSS at step 100 and every tenth of the run.</summary>
    public static object TrainingMemory(RunConfig config, EpisodeDataset data, string name)
    {
        int steps = config.Train.Steps;
        string run = Path.Combine(Path.GetTempPath(), name);
        if (Directory.Exists(run)) Directory.Delete(run, true);
        using var trainer = new Trainer(config, data, run);
        var samples = new List<object>();
        var sw = Stopwatch.StartNew();
        trainer.Run(progress: p =>
        {
            if (p.Step % Math.Max(1, steps / 10) == 0 || p.Step == 100)
            {
                using var proc = Process.GetCurrentProcess();
                samples.Add(new { step = p.Step, live_tensors = DisposeScopeManager.Statistics.ThreadTotalLiveCount, rss_mb = Math.Round(proc.WorkingSet64 / 1048576.0, 1) });
            }
        });
        Directory.Delete(run, true);
        return new { steps = (long)steps, seconds = Math.Round(sw.Elapsed.TotalSeconds, 1), samples };
    }
}
