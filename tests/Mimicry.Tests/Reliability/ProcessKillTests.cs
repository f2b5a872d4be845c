using System.Diagnostics;
using Mimicry.Tests.Cli;
using Mimicry.Tests.Envs;
using Mimicry.Training;

namespace Mimicry.Tests.Reliability;

/// <summary>
/// The CLI as a separate process, stopped the hard ways: a stop signal saves a checkpoint and exits 130
/// (SIGTERM here: a test runner's children may inherit an ignored SIGINT; Ctrl-C's SIGINT takes the same
/// handler); kill -9 mid-run, then --resume, ends with the same weights as a run never interrupted.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class ProcessKillTests
{
    private static string CliDll
    {
        get
        {
            foreach (var config in new[] { "Release", "Debug" })
            {
                string dll = Path.Combine(TestData.RepoRoot, "src", "Mimicry.Cli", "bin", config, "net10.0", "Mimicry.Cli.dll");
                if (File.Exists(dll)) return dll;
            }
            throw new FileNotFoundException("build src/Mimicry.Cli first (scripts/test.sh builds the solution)");
        }
    }

    internal static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static string[] Train(string data, string run, int steps, params string[] extra) =>
        ["train", "bc", "--dataset", data, "--out", run, "--steps", steps.ToString(), "--set", "train.threads=1", "--set", "train.batch_size=16",
         "--set", "policy.hidden_dims=[32]", "--set", "train.checkpoint_every=50", "--set", "train.log_every=10", .. extra];

    private static void WaitFor(Func<bool> condition, Process p, int seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (p.HasExited) throw new Xunit.Sdk.XunitException($"the training exited ({p.ExitCode}) first: {p.StandardError.ReadToEnd()}");
            if (clock.Elapsed.TotalSeconds > seconds) throw new TimeoutException("the training did not get there in time");
            Thread.Sleep(50);
        }
    }

    private static int? CheckpointStep(string run) => Trainer.SavedProgress(Path.Combine(run, "checkpoint"))?.Step;

    [Fact]
    public void A_stop_signal_saves_a_checkpoint_and_kill_9_resumes_to_the_same_weights()
    {
        if (!OperatingSystem.IsLinux()) return;
        string root = TempDirs.New("kill");
        try
        {
            string data = CliTests.ForkData(root, 20);

            // SIGINT in the middle of a long run: a checkpoint at the step it stopped, exit 130.
            string interrupted = Path.Combine(root, "int");
            using (var p = Start(Train(data, interrupted, 1_000_000)))
            {
                try
                {
                    WaitFor(() => CheckpointStep(interrupted) >= 50, p);
                    Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
                    Assert.True(p.WaitForExit(60_000), "did not stop after SIGTERM");
                }
                finally { if (!p.HasExited) { p.Kill(); p.WaitForExit(); } }
                string err = p.StandardError.ReadToEnd();
                Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {err}");
                Assert.Contains("SIGTERM: stopping after this step and saving a checkpoint", err);
                int step = CheckpointStep(interrupted)!.Value;
                var last = TrainingCurve.ReadMetrics(Path.Combine(interrupted, "metrics.jsonl")).Last().Step;
                Assert.True(step >= last, $"checkpoint {step} behind the metrics ({last})");
            }

            // kill -9 after the first checkpoint, resume, compare with an uninterrupted run.
            string reference = Path.Combine(root, "ref"), killed = Path.Combine(root, "killed");
            var straight = CliTests.Run(Train(data, reference, 400));
            Assert.True(straight.Code == 0, straight.Err);
            using (var p = Start(Train(data, killed, 400)))
            {
                try { WaitFor(() => CheckpointStep(killed) >= 100, p); }
                finally
                {
                    if (!p.HasExited) p.Kill(); // SIGKILL
                    p.WaitForExit();
                }
            }
            Assert.True(CheckpointStep(killed) < 400);
            var resumed = CliTests.Run("train", "bc", "--out", killed, "--steps", "400", "--resume");
            Assert.True(resumed.Code == 0, resumed.Err);
            foreach (var file in new[] { "model.safetensors", Path.Combine("training", "model.safetensors"), Path.Combine("training", "optimizer.safetensors") })
                Assert.True(File.ReadAllBytes(Path.Combine(reference, "checkpoint", file)).SequenceEqual(File.ReadAllBytes(Path.Combine(killed, "checkpoint", file))), $"{file} differs");
            Assert.Equal(TrainingCurve.ReadMetrics(Path.Combine(reference, "metrics.jsonl")).Select(m => m.Loss),
                TrainingCurve.ReadMetrics(Path.Combine(killed, "metrics.jsonl")).Select(m => m.Loss));
        }
        finally { TempDirs.Delete(root); }
    }
}
