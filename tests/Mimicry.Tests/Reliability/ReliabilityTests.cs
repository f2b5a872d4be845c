using System.Security.Cryptography;
using Mimicry.Tests.Cli;
using Mimicry.Tests.Envs;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Reliability;

/// <summary>
/// The cases of the reliability probe (../shared/notes/reliability-probe.md, rows in brackets): nothing a
/// user wrote is lost, and a bad input is one line on stderr naming the file or field, never a trace.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class ReliabilityTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    /// <summary>Exit 1 and one "error:" line on stderr that contains every fragment, with no stack frame.</summary>
    internal static void AssertOneLineError((int Code, string Out, string Err) r, params string[] fragments)
    {
        Assert.True(r.Code == 1, $"exit {r.Code}; stderr: {r.Err}; stdout tail: {r.Out[Math.Max(0, r.Out.Length - 400)..]}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToList();
        Assert.True(lines.Count == 1, $"expected one error line, got: {r.Err}");
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", lines[0]);
        foreach (var f in fragments) Assert.True(lines[0].Contains(f), $"'{f}' not in: {lines[0]}");
    }

    /// <summary>Every file below a folder with its SHA-256 (the run lock aside), to show a command left it as it was.</summary>
    internal static string Snapshot(string dir) => string.Join("\n", Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order()
        .Where(f => !f.EndsWith(".lock")).Select(f => $"{Path.GetRelativePath(dir, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    private static string[] ForkTrain(string data, string run, params string[] extra) =>
        ["train", "bc", "--dataset", data, "--out", run, "--set", "train.threads=1", "--set", "train.batch_size=16", "--set", "policy.hidden_dims=[32]", .. extra];

    [Fact]
    public void Train_never_replaces_an_existing_run_unless_asked_and_refuses_a_second_writer()
    {
        string root = TempDirs.New("rel");
        try
        {
            string data = CliTests.ForkData(root), run = Path.Combine(root, "run");
            // [17] the natural fork path: no --task, no observation key; both come from the dataset.
            var first = Run(ForkTrain(data, run, "--steps", "6"));
            Assert.True(first.Code == 0, first.Err);
            Assert.Contains("\"task\": \"fork\"", File.ReadAllText(Path.Combine(run, "config.json")));
            Assert.Contains("observation.state", File.ReadAllText(Path.Combine(run, "config.json")));
            string before = Snapshot(run);

            // [48] again without --resume: refused, nothing touched (command.txt included).
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "6", "--set", "train.seed=5")), run, "--resume", "--overwrite");
            Assert.Equal(before, Snapshot(run));

            // [46] a rejected --resume (another architecture) leaves config.json and everything else as they were.
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "8", "--set", "policy.hidden_dims=[16]", "--resume")), "policy.hidden_dims");
            Assert.Equal(before, Snapshot(run));
            // [45] another dataset: named as such.
            string other = Path.Combine(root, "fork2");
            Assert.Equal(0, Run("dataset", "generate", other, "--task", "fork", "--episodes", "13").Code);
            AssertOneLineError(Run(ForkTrain(other, run, "--steps", "8", "--resume")), "dataset");
            Assert.Equal(before, Snapshot(run));

            // [49] a second writer while the run is locked.
            using (RunLock.Acquire(run))
                AssertOneLineError(Run(ForkTrain(data, run, "--steps", "8", "--resume")), "being written by another training");
            Assert.Equal(before, Snapshot(run));

            // A plain --resume still works after all that, and --overwrite replaces the run.
            var resumed = Run("train", "bc", "--out", run, "--steps", "8", "--resume");
            Assert.True(resumed.Code == 0, resumed.Err);
            Assert.Equal(8, Trainer.SavedProgress(Path.Combine(run, "checkpoint"))!.Value.Step);
            var again = Run(ForkTrain(data, run, "--steps", "3", "--overwrite"));
            Assert.True(again.Code == 0, again.Err);
            Assert.Equal(3, Trainer.SavedProgress(Path.Combine(run, "checkpoint"))!.Value.Step);

            // [44] --resume of a folder without a checkpoint says so.
            AssertOneLineError(Run(ForkTrain(data, Path.Combine(root, "typo"), "--steps", "3", "--resume")), "nothing to resume");
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void A_checkpoint_left_aside_by_an_interrupted_swap_is_recovered_on_resume()
    {
        string root = TempDirs.New("rel");
        try
        {
            string data = CliTests.ForkData(root), run = Path.Combine(root, "run");
            Assert.Equal(0, Run(ForkTrain(data, run, "--steps", "6", "--set", "train.checkpoint_every=3")).Code);
            // [87] the kill between the two renames: checkpoint/ moved aside, the new one never moved in; plus a stale temp copy.
            Directory.Move(Path.Combine(run, "checkpoint"), Path.Combine(run, "checkpoint.old-0123456789abcdef0123456789abcdef"));
            Directory.CreateDirectory(Path.Combine(run, "checkpoint.tmp-fedcba9876543210fedcba9876543210"));
            // eval reads the whole previous checkpoint without moving anything
            var eval = Run("eval", run, "--episodes", "1", "--max-steps", "3", "--out", Path.Combine(root, "eval"));
            Assert.True(eval.Code == 0, eval.Err);
            var r = Run("train", "bc", "--out", run, "--steps", "9", "--resume", "--set", "train.checkpoint_every=3");
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("recovered", r.Err);
            Assert.Contains("step 7/9", r.Out); // continued from step 6...
            Assert.DoesNotContain("step 1/9", r.Out); // ...not restarted
            Assert.Equal(9, Trainer.SavedProgress(Path.Combine(run, "checkpoint"))!.Value.Step);
            Assert.Equal(new[] { "checkpoint" }, Directory.GetDirectories(run).Select(d => Path.GetFileName(d)!).ToArray()); // stale copies removed
            Assert.Equal([3, 6, 9], TrainingCurve.ReadMetrics(Path.Combine(run, "metrics.jsonl")).Select(m => m.Step));
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Import_never_deletes_its_input_or_a_folder_that_is_not_a_dataset()
    {
        string root = TempDirs.New("rel");
        try
        {
            // A copy of the bundled zarr (low-dim, small).
            string src = Path.Combine(root, "in", "src.zarr");
            CopyDirectory(TestData.BundledPushT, src);
            File.WriteAllText(Path.Combine(root, "in", "notes.txt"), "mine");
            string before = Snapshot(Path.Combine(root, "in"));
            // [74] OUT = SRC, [75] OUT contains SRC
            AssertOneLineError(Run("dataset", "import", src, src, "--overwrite"), "input");
            AssertOneLineError(Run("dataset", "import", src, Path.Combine(root, "in"), "--overwrite"), "input");
            Assert.Equal(before, Snapshot(Path.Combine(root, "in")));
            // [73] an unrelated folder is not wiped, even with --overwrite
            string precious = Path.Combine(root, "precious");
            Directory.CreateDirectory(precious);
            File.WriteAllText(Path.Combine(precious, "precious.txt"), "keep");
            AssertOneLineError(Run("dataset", "import", src, precious, "--overwrite"), "not a LeRobot dataset");
            Assert.Equal("keep", File.ReadAllText(Path.Combine(precious, "precious.txt")));

            // [81] a missing chunk is an error naming it, unless allowed
            File.Delete(Path.Combine(src, "data", "action", "0.0"));
            AssertOneLineError(Run("dataset", "import", src, Path.Combine(root, "out")), "data/action", "chunk '0.0' is missing", "--allow-missing-chunks");
            Assert.False(Directory.Exists(Path.Combine(root, "out")));
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Changed_dataset_and_checkpoint_files_are_caught_by_their_checksums()
    {
        string root = TempDirs.New("rel");
        try
        {
            string data = CliTests.ForkData(root), run = Path.Combine(root, "run");
            Assert.Equal(0, Run(ForkTrain(data, run, "--steps", "3")).Code);
            Assert.Equal(0, Run("dataset", "verify", data).Code);
            // [38] one flipped byte in the middle of a parquet file (parquet itself has no checksum)
            string parquet = Directory.GetFiles(data, "*.parquet", SearchOption.AllDirectories).Order().First();
            var bytes = File.ReadAllBytes(parquet);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(parquet, bytes);
            AssertOneLineError(Run("dataset", "info", data), Path.GetFileName(parquet), "changed");
            var verify = Run("dataset", "verify", data);
            Assert.Equal(1, verify.Code);
            Assert.Contains(Path.GetFileName(parquet), verify.Err);
            AssertOneLineError(Run(ForkTrain(data, Path.Combine(root, "run2"), "--steps", "1")), Path.GetFileName(parquet));
            Assert.False(Directory.Exists(Path.Combine(root, "run2")));

            // [57] a truncated model.safetensors is called truncated, not an architecture mismatch
            string model = Path.Combine(run, "checkpoint", "model.safetensors");
            var weights = File.ReadAllBytes(model);
            File.WriteAllBytes(model, weights[..(weights.Length - 100)]);
            AssertOneLineError(Run("eval", run, "--episodes", "1", "--max-steps", "2"), "model.safetensors", "changed");
            File.Delete(Path.Combine(run, "checkpoint", "checksums.json"));
            AssertOneLineError(Run("eval", run, "--episodes", "1", "--max-steps", "2"), "model.safetensors", "truncated");
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Corrupt_training_state_is_named_not_a_native_abort()
    {
        string root = TempDirs.New("rel");
        try
        {
            string data = CliTests.ForkData(root), run = Path.Combine(root, "run");
            Assert.Equal(0, Run(ForkTrain(data, run, "--steps", "3")).Code);
            File.Delete(Path.Combine(run, "checkpoint", "checksums.json")); // as if written by an older Mimicry
            // [50] a truncated generator.bin would abort libtorch (exit 134): checked first
            string gen = Path.Combine(run, "checkpoint", "training", "generator.bin");
            File.WriteAllBytes(gen, File.ReadAllBytes(gen)[..100]);
            AssertOneLineError(Run("train", "bc", "--out", run, "--steps", "5", "--resume"), "generator.bin", "truncated");
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Bad_settings_are_one_line_naming_the_field()
    {
        string root = TempDirs.New("rel");
        try
        {
            string data = CliTests.ForkData(root), run = Path.Combine(root, "run");
            // [24] [26] NaN and out-of-range values are refused where they are parsed
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--set", "train.lr=NaN")), "train.lr");
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--set", "train.val_fraction=NaN")), "train.val_fraction");
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--set", "train.grad_clip_norm=NaN")), "train.grad_clip_norm");
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--set", "train.beta1=2")), "train.beta1");
            // [40] [41] devices
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--device", "cuda")), "CUDA is not available");
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--device", "tpu")), "tpu", "cpu, cuda");
            Assert.False(Directory.Exists(run));
            // [25] divergence: one line, the run keeps what it had
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "40", "--set", "train.lr=1e30", "--set", "train.warmup_steps=0")), "diverged");
            // [31] [32] config files without a policy, or without its type
            string cfg = Path.Combine(root, "cfg.json");
            File.WriteAllText(cfg, "{\"policy\": null}");
            AssertOneLineError(Run("train", "bc", "--config", cfg, "--out", Path.Combine(root, "c"), "--dataset", data), "policy");
            File.WriteAllText(cfg, "{\"policy\": {\"horizon\": 16}}");
            AssertOneLineError(Run("train", "bc", "--config", cfg, "--out", Path.Combine(root, "c"), "--dataset", data), cfg, "type");
            // [43] a fork dataset told it is Push-T
            AssertOneLineError(Run(ForkTrain(data, run, "--steps", "3", "--task", "pusht")), "fork");
            // [92] [93]
            AssertOneLineError(Run("dataset", "generate", Path.Combine(root, "g"), "--task", "fork", "--episodes", "-3"), "--episodes");
            AssertOneLineError(Run("dataset", "generate", Path.Combine(root, "g"), "--task", "fork", "--episodes", "0"), "--episodes");
            // [94] [95]
            AssertOneLineError(Run("render", TestData.BundledPushT, "--episode", "0", "--out", Path.Combine(root, "r.bmp")), ".gif");
            AssertOneLineError(Run("replay", TestData.BundledPushT, "--episodes", "5-2"), "reversed");
            // [3] a huge action is caught while reading the file, with its line
            string csv = Path.Combine(root, "a.csv");
            File.WriteAllLines(csv, ["250,250", "1e30,300"]);
            var rollout = Run("env", "rollout", "--seed", "0", "--actions", csv);
            AssertOneLineError(rollout, $"{csv}:2", "out of range");
            Assert.Equal("", rollout.Out);
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Eval_options_are_checked_before_anything_runs()
    {
        string root = TempDirs.New("rel");
        try
        {
            string data = CliTests.ForkData(root), run = Path.Combine(root, "run");
            Assert.Equal(0, Run(ForkTrain(data, run, "--steps", "3")).Code);
            // [60] [61] [65] [67]
            AssertOneLineError(Run("eval", run, "--episodes", "0"), "--episodes");
            AssertOneLineError(Run("eval", run, "--episodes", "-5"), "--episodes");
            AssertOneLineError(Run("eval", run, "--episodes", "1", "--max-steps", "0"), "--max-steps");
            AssertOneLineError(Run("eval", run, "--episodes", "1", "--seed-start", "-5"), "--seed-start");
            AssertOneLineError(Run("eval", run, "--episodes", "2", "--seed-start", "4294967295"), "--seed-start");
            Assert.False(Directory.Exists(Path.Combine(run, "eval")));
            // [66] a metrics file cut mid-line does not matter to eval; [68] the report names the checkpoint's step
            File.AppendAllText(Path.Combine(run, "metrics.jsonl"), "{\"step\":4");
            var ok = Run("eval", run, "--episodes", "1", "--max-steps", "2");
            Assert.True(ok.Code == 0, ok.Err);
            Assert.Contains("\"train_steps\": 3", File.ReadAllText(Path.Combine(run, "eval", "report.json")));
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Stopping_a_training_saves_a_checkpoint_that_resumes_exactly()
    {
        string a = TempDirs.New("run"), b = TempDirs.New("run");
        try
        {
            var config = Mimicry.Tests.Training.TinyRuns.For("bc", steps: 10) with { Train = Mimicry.Tests.Training.TinyRuns.Train(10) with { LogEvery = 1 } };
            var data = Mimicry.Tests.Training.TinyRuns.PushT(3);
            using (var t = new Trainer(config, data, a)) t.Run();
            using (var t = new Trainer(config, data, b))
            {
                using var cts = new CancellationTokenSource();
                t.Run(progress: p => { if (p.Step == 7) cts.Cancel(); }, cancel: cts.Token); // Ctrl-C at step 7; checkpoints only at 1000
                Assert.True(t.Stopped);
                Assert.Equal(7, Trainer.SavedProgress(t.CheckpointDir)!.Value.Step);
            }
            using (var t = new Trainer(config, data, b)) t.Run(resume: true);
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, "checkpoint", "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "checkpoint", "model.safetensors")));
        }
        finally { TempDirs.Delete(a, b); }
    }

    internal static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
