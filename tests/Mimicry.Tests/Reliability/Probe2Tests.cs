using Mimicry.Experiments.Compare;
using Mimicry.Tests.Cli;
using Mimicry.Tests.Envs;
using static Mimicry.Tests.Reliability.ReliabilityTests;

namespace Mimicry.Tests.Reliability;

/// <summary>
/// The second reliability probe's cases (../shared/notes/reliability-probe-2.md; the case id in each comment): a bad
/// input is one <c>error:</c> line naming the field, file or option, before any work; nothing reused that should not be;
/// nothing lost.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class Probe2Tests(Probe2Fixture f) : IClassFixture<Probe2Fixture>
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    private string Out(string name) => Path.Combine(f.Root, "o", name);

    [Fact]
    public void Settings_that_divide_by_zero_overflow_or_mean_nothing_are_one_line_before_training()
    {
        (string Policy, string Setting, string Names)[] cases =
        [
            ("act", "policy.n_heads=0", "n_heads"),                // T6
            ("act", "policy.dim_model=0", "dim_model"),            // T7
            ("act", "policy.dim_feedforward=0", "dim_feedforward"),// T8
            ("dt", "policy.n_head=0", "n_head"),                   // T12
            ("tokens", "policy.n_head=0", "n_head"),               // T18
            ("flow", "policy.n_groups=0", "n_groups"),             // T21
            ("diffusion", "policy.n_groups=0", "n_groups"),        // T21
            ("diffusion", "policy.clip_sample_range=-1", "clip_sample_range"), // T22
            ("bc", "policy.dropout=NaN", "policy.dropout"),        // T25
            ("dt", "policy.max_episode_length=10", "max_episode_length"), // T13: the fork's episodes are longer
        ];
        foreach (var (policy, setting, names) in cases)
        {
            string run = Out($"t-{policy}-{setting.Split('=')[0]}");
            AssertOneLineError(Run(f.Train(policy, run, "--set", setting)), names);
            Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")), $"{setting}: training started");
        }
        // T24: a NaN beta of the linear schedule is the setting's fault, not the learning rate's.
        AssertOneLineError(Run(f.Train("diffusion", Out("t24"), "--set", "policy.beta_schedule=linear", "--set", "policy.beta_start=NaN")), "beta_start");
    }

    [Fact]
    public void An_unknown_policy_type_lists_the_known_ones()
    {
        // T27
        string cfg = Path.Combine(f.Root, "badtype.json");
        File.WriteAllText(cfg, """{"policy": {"type": "transformer"}}""");
        AssertOneLineError(Run("train", "diffusion", "--config", cfg, "--dataset", f.Data, "--out", Out("t27")), cfg, "'transformer'", "diffusion, flow");
    }

    [Fact]
    public void Acting_values_that_overflow_or_do_not_exist_are_named_before_evaluating()
    {
        AssertOneLineError(Run("eval", f.Run("act"), "--episodes", "2", "--out", Out("e6"), "--set", "policy.execution=temporal_ensemble",
            "--set", "policy.temporal_ensemble_coeff=-1000"), "temporal_ensemble_coeff");                                  // E6
        AssertOneLineError(Run("eval", f.Run("dt"), "--episodes", "2", "--out", Out("e9"), "--set", "policy.target_return=1e300"), "target_return"); // E9
        AssertOneLineError(Run("eval", f.Run("tokens"), "--episodes", "2", "--out", Out("e12"), "--set", "policy.temperature=1e-300"), "temperature"); // E12
        AssertOneLineError(Run("eval", f.Run("flow"), "--episodes", "2", "--out", Out("e17"), "--sampler", "ddim"), "policy.sampler", "euler, heun"); // E17
        AssertOneLineError(Run("eval", f.Run("act"), "--episodes", "2", "--out", Out("e18"), "--set", "policy.latent=foo"), "policy.latent", "zero, prior"); // E18
        AssertOneLineError(Run("eval", f.Run("cfg"), "--episodes", "2", "--out", Out("e19"), "--set", "policy.guidance_scale=1e308",
            "--set", "policy.condition_value=[1]"), "guidance_scale");                                                       // E19
        foreach (var e in new[] { "e6", "e9", "e12", "e17", "e18", "e19" }) Assert.False(File.Exists(Path.Combine(Out(e), "report.json")), e);
    }

    [Fact]
    public void A_corrupt_second_run_stops_the_evaluation_before_the_first_is_evaluated()
    {
        // E29
        string corrupt = Path.Combine(f.Root, "corrupt");
        CopyDirectory(f.Run("act"), corrupt);
        string model = Path.Combine(corrupt, "checkpoint", "model.safetensors");
        File.WriteAllBytes(model, File.ReadAllBytes(model)[..500]);
        var r = Run("eval", f.Run("act"), corrupt, "--episodes", "2", "--out", Out("e29"));
        AssertOneLineError(r, model, "truncated");
        Assert.DoesNotContain("delete checksums.json", r.Err); // C17: no advice to switch the check off
        Assert.DoesNotContain("avg max reward", r.Out);
    }

    [Fact]
    public void A_checkpoint_replaced_while_it_is_read_is_read_again()
    {
        // E26: a run evaluated while another process trains it, writing a checkpoint at every step.
        string run = Path.Combine(f.Root, "live");
        using var training = ProcessKillTests.Start(["train", "bc", "--dataset", f.Data, "--out", run, "--steps", "100000", .. Probe2Fixture.T,
            "--set", "policy.hidden_dims=[256,256]", "--set", "train.checkpoint_every=1", "--set", "train.log_every=1000"]);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(run, "checkpoint", "checksums.json")) && clock.Elapsed.TotalSeconds < 120) Thread.Sleep(50);
            Assert.False(training.HasExited, training.HasExited ? training.StandardError.ReadToEnd() : "");
            for (int i = 0; i < 30; i++)
            {
                var (_, policy) = Mimicry.Training.Checkpoints.Checkpoint.Load(run);
                policy.Dispose();
            }
            Assert.False(training.HasExited); // the loads overlapped the writes
        }
        finally
        {
            if (!training.HasExited) training.Kill(entireProcessTree: true);
            training.WaitForExit();
        }
    }

    [Fact]
    public void Ablation_values_and_options_are_checked_before_the_first_row()
    {
        string flow = f.Run("flow");
        AssertOneLineError(Run("ablate", "steps", flow, "--out", Out("a1"), "--steps", "abc", "--episodes", "2"), "--steps", "'abc'");          // A1
        AssertOneLineError(Run("ablate", "steps", flow, "--out", Out("a1b"), "--steps", "1,,2", "--episodes", "2"), "--steps");                 // A1
        AssertOneLineError(Run("ablate", "steps", flow, "--out", Out("a2"), "--steps", "99999999999", "--episodes", "2"), "--steps");           // A2
        AssertOneLineError(Run("ablate", "steps", flow, "--out", Out("a5"), "--steps", "1,1001", "--episodes", "2"), "num_inference_steps");    // A5
        AssertOneLineError(Run("ablate", "steps", flow, "--out", Out("a6"), "--steps", "1", "--episodes", "2", "--latency-calls", "0"), "--latency-calls"); // A6
        // A9: an --out that cannot be made (inside a file; as root, permission bits would not stop the write) fails before evaluating.
        string file = Path.Combine(f.Root, "afile");
        File.WriteAllText(file, "hi");
        var a9 = Run("ablate", "steps", flow, "--out", Path.Combine(file, "ab"), "--steps", "1,2", "--episodes", "2");
        Assert.Equal(1, a9.Code);
        Assert.DoesNotContain("avg max reward", a9.Out);
        AssertOneLineError(Run("ablate", "setting", f.Run("dt"), "--out", Out("a15"), "--setting", "policy.target_return", "--values", "1,Infinity", "--episodes", "2"), "target_return"); // A15
        AssertOneLineError(Run("ablate", "setting", f.Run("tokens"), "--out", Out("a16"), "--setting", "policy.temperature", "--values", "0,1,-1", "--episodes", "2"), "temperature");  // A16
        foreach (var a in new[] { "a5", "a6", "a15", "a16" }) Assert.False(File.Exists(Path.Combine(Out(a), "report.json")), $"{a}: rows were evaluated");
    }

    [Fact]
    public void Compare_options_are_checked_at_once()
    {
        string file = Path.Combine(f.Root, "cfile");
        File.WriteAllText(file, "hi");
        AssertOneLineError(Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--out", file), "is a file");        // C5
        AssertOneLineError(Run("compare", "--quick", "--out", Out("c13"), "--tasks", ","), "--tasks", "no task");             // C13
        AssertOneLineError(Run("compare", "--quick", "--out", Out("c14"), "--tasks", "fork", "--seeds", "2000000"), "--seeds"); // C14
        Assert.False(Directory.Exists(Path.Combine(Out("c14"), "runs")));
        // C24: the bundled data are found from a folder without data/, as `train` finds them (above the program).
        string cwd = Directory.GetCurrentDirectory();
        try
        {
            Directory.SetCurrentDirectory(f.Root);
            Assert.True(Directory.Exists(Mimicry.Envs.PushT.BundledPushT.Find()));
        }
        finally { Directory.SetCurrentDirectory(cwd); }
    }

    /// <summary>A quick comparison of BC on the fork, the folder the compare cases start from.</summary>
    private string Compared(string name, params string[] extra)
    {
        string dir = Out(name);
        var r = Run(["compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--out", dir, .. extra]);
        Assert.True(r.Code == 0, r.Err);
        return dir;
    }

    [Fact]
    public void Compare_caches_are_keyed_by_what_they_measured_and_never_cost_weights()
    {
        string dir = Compared("cmp");
        // C20: other seeds are evaluated, not reprinted from the cache.
        var fresh = Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--seed-start", "500", "--out", dir);
        Assert.True(fresh.Code == 0, fresh.Err);
        Assert.Contains("evaluating bc", fresh.Out);
        Assert.Contains("\"first_seed\": 500", File.ReadAllText(Path.Combine(dir, "report.json")));
        // C21, C22: a cut or empty cache file is measured again, not a trace.
        var caches = Directory.GetFiles(Path.Combine(dir, "evals"), "*.json", SearchOption.AllDirectories);
        foreach (var cache in caches) File.WriteAllText(cache, File.ReadAllText(cache)[..200]);
        var cut = Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--seed-start", "500", "--out", dir);
        Assert.True(cut.Code == 0, cut.Err);
        Assert.Contains("evaluating bc", cut.Out);
        foreach (var cache in Directory.GetFiles(Path.Combine(dir, "evals"), "*.json", SearchOption.AllDirectories)) File.WriteAllText(cache, "{}");
        var empty = Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--seed-start", "500", "--out", dir);
        Assert.True(empty.Code == 0, empty.Err);
        Assert.Contains("evaluating bc", empty.Out);
        // C23: a cut step_times.json is timed again (a note), not a trace.
        File.WriteAllText(Path.Combine(dir, "step_times.json"), "{\"diffusion/fork\": 0.1,");
        var times = Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--seed-start", "500", "--out", dir);
        Assert.True(times.Code == 0, times.Err);
        Assert.Contains("step_times.json", times.Out);
    }

    [Fact]
    public void Compare_refuses_runs_it_cannot_account_for_and_says_which_file()
    {
        // C19: an unreadable training state of a finished run: refused, the weights kept.
        string dir = Compared("cmp19");
        string checkpoint = Directory.GetDirectories(Path.Combine(dir, "runs")).Single() + "/checkpoint";
        File.WriteAllText(Path.Combine(checkpoint, "training", "state.json"), "{\"step\": 4");
        string before = Snapshot(checkpoint);
        AssertOneLineError(Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--out", dir), "state.json");
        Assert.Equal(before, Snapshot(checkpoint));
        // C16, C17: a truncated model with its evaluations cached: named, not reported from the cache.
        string dir16 = Compared("cmp16");
        string model = Directory.GetDirectories(Path.Combine(dir16, "runs")).Single() + "/checkpoint/model.safetensors";
        File.WriteAllBytes(model, File.ReadAllBytes(model)[..200]);
        var r = Run("compare", "--quick", "--seeds", "1", "--tasks", "fork", "--policies", "bc", "--episodes", "2", "--out", dir16);
        AssertOneLineError(r, "model.safetensors");
        Assert.DoesNotContain("delete checksums.json", r.Err);
    }

    [Fact]
    public void Compare_stops_within_an_evaluation_when_asked()
    {
        // C15: Ctrl-C (here the token it sets) while a row is evaluated: stopped there, nothing cached for that row.
        string dir = Out("c15");
        using var stop = new CancellationTokenSource();
        var log = new List<string>();
        var rows = CompareRunner.RunAndReport(new CompareOptions { Quick = true, QuickSteps = 10, Seeds = 1, Episodes = 50, LatencyCalls = 2, Tasks = ["fork"], Policies = ["bc"] },
            dir, line => { log.Add(line); if (line.StartsWith("evaluating")) stop.Cancel(); }, stop.Token);
        Assert.Null(rows);
        Assert.Contains(log, l => l.StartsWith("stopped while evaluating"));
        string evals = Path.Combine(dir, "evals");
        Assert.True(!Directory.Exists(evals) || Directory.GetFiles(evals, "*.json", SearchOption.AllDirectories).Length == 0);
        Assert.False(File.Exists(Path.Combine(dir, "report.md")));
    }

    [Fact]
    public void Sweep_rows_are_reused_only_for_the_same_config_and_data()
    {
        string dir = Out("sw");
        string[] Sweep(string data, params string[] extra) =>
            ["sweep", "bc", "--dataset", data, "--steps", "20", "--episodes", "2", .. Probe2Fixture.T, "--out", dir, "--vary", "policy.hidden_dims=[16],[32]", .. extra];
        Assert.Equal(0, Run(Sweep(f.Data)).Code);
        static string Lr(string run) => File.ReadAllText(Path.Combine(run, "checkpoint", "config.json"));
        // S2: another shared setting trains again.
        var s2 = Run(Sweep(f.Data, "--set", "train.lr=1e-2"));
        Assert.True(s2.Code == 0, s2.Err);
        Assert.Contains("\"lr\": 0.01", Lr(Path.Combine(dir, "hidden_dims16")));
        // S3: other data train again.
        string other = Path.Combine(f.Root, "fork13");
        Assert.Equal(0, Run("dataset", "generate", other, "--task", "fork", "--episodes", "13", "--seed", "7").Code);
        var s3 = Run(Sweep(other, "--set", "train.lr=1e-2"));
        Assert.True(s3.Code == 0, s3.Err);
        Assert.DoesNotContain("reused", s3.Out);
        // S4: fewer steps train again at that budget (a cosine schedule over other steps is another run).
        var s4 = Run(["sweep", "bc", "--dataset", other, "--steps", "10", "--episodes", "2", .. Probe2Fixture.T, "--out", dir, "--vary", "policy.hidden_dims=[16],[32]", "--set", "train.lr=1e-2"]);
        Assert.True(s4.Code == 0, s4.Err);
        Assert.Equal(10, Mimicry.Training.Trainer.SavedProgress(Path.Combine(dir, "hidden_dims16", "checkpoint"))!.Value.Step);
        // S5: values differing only in sign are two rows in two folders.
        string neg = Out("sw5");
        var s5 = Run(["sweep", "bc", "--dataset", f.Data, "--steps", "10", "--episodes", "2", .. Probe2Fixture.T, "--set", "policy.hidden_dims=[16]",
            "--set", "policy.execution=temporal_ensemble", "--out", neg, "--vary", "policy.temporal_ensemble_coeff=-0.5,0.5"]);
        Assert.True(s5.Code == 0, s5.Err);
        Assert.True(Directory.Exists(Path.Combine(neg, "temporal_ensemble_coeff-0.5")) && Directory.Exists(Path.Combine(neg, "temporal_ensemble_coeff0.5")));
        // S16: --out a file; S18: one key varied twice.
        string file = Path.Combine(f.Root, "sfile");
        File.WriteAllText(file, "hi");
        AssertOneLineError(Run(["sweep", "bc", "--dataset", f.Data, "--steps", "10", "--out", file, "--vary", "policy.hidden_dims=[16]"]), "is a file");
        AssertOneLineError(Run(["sweep", "bc", "--dataset", f.Data, "--steps", "10", "--out", Out("sw18"), "--vary", "train.lr=1e-3", "--vary", "train.lr=1e-4"]), "train.lr", "twice");
    }

    [Fact]
    public void A_run_knows_its_data_by_content_and_its_config_by_its_checkpoint()
    {
        string data = Path.Combine(f.Root, "regen");
        Assert.Equal(0, Run("dataset", "generate", data, "--task", "fork", "--episodes", "20").Code);
        string run = Out("t32");
        var trained = Run(["train", "bc", "--dataset", data, "--out", run, "--steps", "20", .. Probe2Fixture.T, .. Probe2Fixture.Bc]);
        Assert.True(trained.Code == 0, trained.Err);
        // T32: the same data under another path resume.
        string copy = Path.Combine(f.Root, "regen-copy");
        CopyDirectory(data, copy);
        var t32 = Run("train", "bc", "--dataset", copy, "--out", run, "--steps", "30", "--resume");
        Assert.True(t32.Code == 0, t32.Err);
        // T34 (same frame count) and T33 (another size): regenerated in place, refused as other data.
        Assert.Equal(0, Run("dataset", "generate", data, "--task", "fork", "--episodes", "20", "--seed", "8", "--overwrite").Code);
        AssertOneLineError(Run("train", "bc", "--dataset", data, "--out", run, "--steps", "40", "--resume"), "other data");
        Assert.Equal(0, Run("dataset", "generate", data, "--task", "fork", "--episodes", "30", "--seed", "5", "--overwrite").Code);
        AssertOneLineError(Run("train", "bc", "--dataset", data, "--out", run, "--steps", "40", "--resume"), "other data");
        // T29: RUN/config.json edited by hand, then --resume: named, not silently rewritten.
        string config = Path.Combine(run, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"steps\": 30", "\"steps\": 80"));
        AssertOneLineError(Run("train", "bc", "--dataset", copy, "--out", run, "--resume"), "config.json", "train.steps", "--set");
        // K2: a run stopped before its first checkpoint: both commands point at --overwrite.
        string early = Out("k2");
        Directory.CreateDirectory(early);
        File.WriteAllText(Path.Combine(early, "metrics.jsonl"), "");
        AssertOneLineError(Run(f.Train("bc", early, "--resume")), "--overwrite");
        AssertOneLineError(Run(f.Train("bc", early)), "--overwrite");
    }

    [Fact]
    public void Dataset_commands_name_files_and_never_write_over_their_input()
    {
        // D4: a file where a dataset folder is expected.
        string file = Path.Combine(f.Root, "random.parquet");
        File.WriteAllBytes(file, [1, 2, 3]);
        AssertOneLineError(Run("dataset", "info", file), file, "is a file");
        AssertOneLineError(Run("dataset", "import", file, Path.Combine(f.Root, "imp")), file, "is a file");
        // D10: mix into its own input; D9: a --policy that does not exist, before any replay.
        string mine = Path.Combine(f.Root, "mine");
        CopyDirectory(f.Data, mine);
        string before = Snapshot(mine);
        AssertOneLineError(Run("dataset", "mix", mine, "--from", mine, "--noise", "5", "--noise-episodes", "2", "--truncate", "0.5", "--overwrite"), "input");
        Assert.Equal(before, Snapshot(mine));
        var d9 = Run("dataset", "mix", Path.Combine(f.Root, "m9"), "--from", f.Data, "--policy", Path.Combine(f.Root, "typo"));
        AssertOneLineError(d9, "typo");
        // D15: no chunk to measure.
        AssertOneLineError(Run("tokenize", "analyze", f.Data, "--out", Out("d15"), "--bins", "8", "--chunks", "0", "--chunk", "8"), "--chunks");
    }

    [Fact]
    public void Fork_experiments_check_their_options_before_training()
    {
        var n1 = Run("cfg-fork", "--out", Out("n1"), "--guidance-interval", "1,0", "--steps", "10", "--episodes", "1");
        AssertOneLineError(n1, "guidance_interval");                                                         // N1
        Assert.DoesNotContain("trained", n1.Out);
        AssertOneLineError(Run("cfg-fork", "--out", Out("n2"), "--scales", "abc"), "--scales", "'abc'");   // N2
        AssertOneLineError(Run("multimodal", "--out", Out("n5"), "--demos", "0"), "--demos");              // N5
    }
}
