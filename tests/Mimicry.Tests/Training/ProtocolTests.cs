using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Data.Sampling;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Tests.Cli;
using Mimicry.Tests.Envs;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Training;

/// <summary>The paper's protocol: DP's split, presets with their deviations, paper-style checkpoint reporting, the fair-baseline sweep.</summary>
[Collection(nameof(MemoryMeasurements))]
public class ProtocolTests
{
    [Fact]
    public void DP_split_is_the_papers_lists()
    {
        // ../shared/notes/pusht-dp-split.md: get_val_mask(206, 0.02, 42) and downsample_mask(~val, 90, 42) under numpy 1.24.
        var split = EpisodeSplit.Create(SplitKind.DpPusht, 206, 0.02, 42, 90, "pusht");
        Assert.Equal([18, 90, 134, 157], split.Validation);
        Assert.Equal(90, split.Train.Length);
        Assert.Equal([7, 9, 10, 11, 13], split.Train[..5]);
        Assert.Equal([195, 198, 200, 203], split.Train[^4..]);
        Assert.Empty(split.Train.Intersect(split.Validation));
        Assert.Equal(90, split.Train.Distinct().Count());
        Assert.Throws<ArgumentException>(() => EpisodeSplit.Create(SplitKind.DpPusht, 100, 0.02, 42, null, "other"));
        Assert.Throws<ArgumentException>(() => EpisodeSplit.Create(SplitKind.DpPusht, 206, 0.02, 42, 50, "pusht"));
        // The seeded split with a cap keeps that many training episodes, none of them held out.
        var seeded = EpisodeSplit.Create(SplitKind.Seeded, 206, 0.02, 42, 90, "pusht");
        Assert.Equal(90, seeded.Train.Length);
        Assert.Equal(4, seeded.Validation.Length);
        Assert.Empty(seeded.Train.Intersect(seeded.Validation));
    }

    [Fact]
    public void Presets_round_trip_through_json_and_name_their_deviations()
    {
        var dp = Presets.Get("dp-pusht-lowdim");
        // The paper's fields (train_diffusion_unet_lowdim_workspace.yaml, pusht_lowdim.yaml).
        var policy = Assert.IsType<Mimicry.Policies.Diffusion.DiffusionConfig>(dp.Config.Policy);
        Assert.Equal([256, 512, 1024], policy.DownDims);
        Assert.Equal(0, dp.Config.Train.GradClipNorm); // DP does not clip
        Assert.Equal(SplitKind.DpPusht, dp.Config.Train.Split);
        Assert.Equal(90, dp.Config.Train.MaxTrainEpisodes);
        Assert.Equal(210_000, dp.Config.Train.Steps);
        var cpu = Presets.Get("dp-pusht-lowdim-cpu");
        Assert.Contains(cpu.Deviations, d => d.Contains("down_dims"));
        Assert.Equal("dp-pusht-lowdim-cpu", cpu.Config.Preset);
        string json = ConfigJson.Serialize(cpu.Config);
        var back = ConfigJson.Deserialize<RunConfig>(json, "test");
        Assert.Equal(json, ConfigJson.Serialize(back));
        Assert.Equal(cpu.Deviations, back.Deviations);
        Assert.Throws<ArgumentException>(() => Presets.Get("nope"));
        var (code, output, _) = CliTests.Run("presets");
        Assert.Equal(0, code);
        foreach (var p in Presets.All) Assert.Contains(p.Name, output);
        // Every shipped preset is a valid configuration that names how it departs from its source.
        foreach (var p in Presets.All)
        {
            p.Config.Validate();
            Assert.NotEmpty(p.Deviations);
        }
        // Each tuned CPU preset differs from its CPU preset in the learning rate only, and says so; flow's pair has
        // diffusion's training settings exactly, so the two objectives are compared with one optimizer.
        foreach (var name in new[] { "dp-pusht-lowdim-cpu", "flow-pusht-lowdim-cpu" })
        {
            var (baseline, tuned) = (Presets.Get(name), Presets.Get(name + "-lr1e-3"));
            Assert.Equal(1e-3, tuned.Config.Train.Lr);
            Assert.Equal(1e-4, baseline.Config.Train.Lr);
            Assert.Equal(ConfigJson.Serialize(baseline.Config.Policy), ConfigJson.Serialize(tuned.Config.Policy));
            Assert.Equal(ConfigJson.Serialize(baseline.Config.Train with { Lr = 1e-3 }), ConfigJson.Serialize(tuned.Config.Train));
            Assert.Contains(tuned.Deviations, d => d.StartsWith("lr 1e-3"));
        }
        Assert.Equal(ConfigJson.Serialize(Presets.Get("dp-pusht-lowdim-cpu-lr1e-3").Config.Train), ConfigJson.Serialize(Presets.Get("flow-pusht-lowdim-cpu-lr1e-3").Config.Train));
        // The ACT CPU preset matches the diffusion CPU preset's chunk.
        var act = Assert.IsType<Mimicry.Policies.Act.ActConfig>(Presets.Get("act-pusht-cpu").Config.Policy);
        Assert.Equal((policy.Horizon, 8), (act.Horizon, act.NActionSteps));
    }

    [Fact]
    public void Eval_of_the_last_K_checkpoints_reports_the_papers_max_and_average()
    {
        string root = TempDirs.New("protocol");
        try
        {
            string data = CliTests.ForkData(root);
            foreach (int seed in new[] { 1, 2 })
            {
                var r = CliTests.Run("train", "bc", "--dataset", data, "--out", Path.Combine(root, $"s{seed}"), "--steps", "40", "--set", $"train.seed={seed}",
                    "--set", "train.checkpoint_every=10", "--set", "train.keep_checkpoints=3", "--set", "train.threads=1", "--set", "policy.hidden_dims=[32]");
                Assert.True(r.Code == 0, r.Err);
            }
            // Three kept checkpoints per run (40 steps, one every 10, keep 3): steps 20, 30, 40.
            Assert.Equal([20, 30, 40], Checkpoint.Kept(Path.Combine(root, "s1")).Select(k => k.Step));
            var e = CliTests.Run("eval", Path.Combine(root, "s1"), Path.Combine(root, "s2"), "--checkpoints", "last:3", "--episodes", "3", "--out", Path.Combine(root, "eval"));
            Assert.True(e.Code == 0, e.Err);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "eval", "report.json")));
            var entries = doc.RootElement.GetProperty("policies").EnumerateArray().ToList();
            Assert.Equal(6, entries.Count);
            Assert.Equal([20, 30, 40, 20, 30, 40], entries.Select(x => x.GetProperty("train_steps").GetInt32()));
            var scores = entries.Select(x => x.GetProperty("result").GetProperty("avg_max_reward").GetDouble()).ToArray();
            var summary = doc.RootElement.GetProperty("summary");
            Assert.Equal(1, summary.GetArrayLength()); // the two runs differ only in seed: one method
            var m = summary[0];
            double max1 = scores[..3].Max(), max2 = scores[3..].Max(), avg1 = scores[..3].Average(), avg2 = scores[3..].Average();
            Assert.Equal((max1 + max2) / 2, m.GetProperty("max_mean").GetDouble(), 12);
            Assert.Equal((avg1 + avg2) / 2, m.GetProperty("avg_mean").GetDouble(), 12);
            Assert.Equal(Math.Abs(max1 - max2) / Math.Sqrt(2), m.GetProperty("max_std").GetDouble(), 12); // sample std of two values
            Assert.Contains("Paper-style summary", File.ReadAllText(Path.Combine(root, "eval", "report.md")));
            var bad = CliTests.Run("eval", Path.Combine(root, "s1"), "--checkpoints", "last:9", "--episodes", "1");
            Assert.Equal(1, bad.Code);
            Assert.Contains("kept 3", bad.Err);
        }
        finally { TempDirs.Delete(root); }
    }

    /// <summary>Chi et al. 2023, Table I: Push-T state DiffusionPolicy-C 0.95 max / 0.91 avg; image 0.91 / 0.84. Reports set our max
    /// beside the paper's max and our avg beside its avg.</summary>
    [Fact]
    public void Presets_carry_the_papers_max_and_avg_and_reports_compare_like_with_like()
    {
        foreach (var name in new[] { "dp-pusht-lowdim", "dp-pusht-lowdim-cpu", "dp-pusht-lowdim-cpu-lr1e-3", "flow-pusht-lowdim-cpu", "flow-pusht-lowdim-cpu-lr1e-3" })
        {
            var p = Presets.Get(name);
            Assert.Equal((0.95, 0.91), (p.PaperMax, p.PaperAvg));
        }
        Assert.Equal((0.91, 0.84), (Presets.Get("dp-pusht-image").PaperMax, Presets.Get("dp-pusht-image").PaperAvg));
        static ReportEntry Entry(string run, double reward) =>
            new(run, run, "diffusion", 1, 100, 1, new EvalResult("pusht", 1, 0, 1, reward, 0, 0, 0, 1, 1, 0, []), Preset: "dp-pusht-lowdim-cpu-lr1e-3", Run: run, Method: "m");
        // Two seeds, two checkpoints each: maxes 0.92 and 0.90 (mean 0.91), averages 0.90 and 0.88 (mean 0.89).
        var md = PaperStyle.Markdown([Entry("s0", 0.88), Entry("s0", 0.92), Entry("s1", 0.86), Entry("s1", 0.90)]);
        Assert.Contains("| 0.95 / 0.91 (Chi et al. 2023", md);
        Assert.Contains("| -0.040 / -0.020 |", md);
    }

    [Fact]
    public void A_preset_changed_on_the_command_line_is_labelled_with_the_change_not_as_the_preset()
    {
        static ReportEntry Entry(string run, string method, double reward, params string[] deviations) =>
            new(run, run, "flow", 1, 100, 1, new EvalResult("pusht", 1, 0, 1, reward, 0, 0, 0, 1, 1, 0, []),
                Preset: "flow-pusht-lowdim-cpu-lr1e-3", Deviations: ["lr 1e-3 instead of 1e-4", .. deviations], Run: run, Method: method);
        var summary = PaperStyle.Summarize([
            Entry("s0", "a", 0.8), Entry("s1", "a", 0.6),
            Entry("u0", "b", 0.5, "policy.time_sampling=uniform" + PaperStyle.ChangedMarker, "train.steps=10" + PaperStyle.ChangedMarker)]);
        Assert.Equal(["flow-pusht-lowdim-cpu-lr1e-3", "flow-pusht-lowdim-cpu-lr1e-3 + policy.time_sampling=uniform, train.steps=10"], summary.Select(m => m.Label));
        Assert.Equal([2, 1], summary.Select(m => m.Runs.Count));
        Assert.Equal(0.7, summary[0].MaxMean, 12);
    }

    /// <summary><c>mimicry sweep bc</c> on a fork dataset: tiny budgets, one thread, 2 evaluation episodes.</summary>
    private static string[] BcSweep(string data, string dir, string steps, params string[] extra) =>
        ["sweep", "bc", "--dataset", data, "--out", dir, "--steps", steps, "--episodes", "2", "--set", "train.threads=1", "--set", "train.batch_size=16", .. extra];

    [Fact]
    public void BC_sweep_runs_end_to_end_on_the_fork_task()
    {
        string root = TempDirs.New("sweep");
        try
        {
            string data = CliTests.ForkData(root);
            string dir = Path.Combine(root, "sweep");
            var r = CliTests.Run(BcSweep(data, dir, "15"));
            Assert.True(r.Code == 0, r.Err);
            var rows = Mimicry.Policies.PolicyRegistry.Get("bc").Sweep;
            Assert.Equal(8, rows.Count); // widths {256x3, 1024x3} x lr {1e-4, 1e-3} x (H, Ta) {(16, 8), (2, 1)}
            foreach (var row in rows) Assert.Equal(15, Trainer.SavedProgress(Path.Combine(dir, row.Name, "checkpoint"))!.Value.Step);
            string sweep = File.ReadAllText(Path.Combine(dir, "sweep.md"));
            Assert.Contains("Best: **", sweep);
            foreach (var row in rows) Assert.Contains($"| {row.Name} |", sweep);
            Assert.True(File.Exists(Path.Combine(dir, "loss_curves.png")));
            Assert.Contains("\"n_action_steps\": 1", File.ReadAllText(Path.Combine(dir, "w256x3_lr1e-3_H2Ta1", "config.json")));
            // Run again: every row is reused, nothing retrained.
            var again = CliTests.Run(BcSweep(data, dir, "15"));
            Assert.True(again.Code == 0, again.Err);
            Assert.Equal(8, again.Out.Split('\n').Count(l => l.Contains("reused")));
        }
        finally { TempDirs.Delete(root); }
    }

    /// <summary><c>--vary KEY=V1,V2,...</c>: one row per value, labelled by the key's last segment; commas inside brackets stay in a value.</summary>
    [Fact]
    public void Vary_axes_parse_into_labelled_rows_and_their_product()
    {
        var bins = PolicyEntry.Axis("policy.bins=8,16,1024");
        Assert.Equal(["bins8", "bins16", "bins1024"], bins.Select(a => a.Label));
        Assert.Equal(["policy.bins=16"], bins[1].Overrides);
        var dims = PolicyEntry.Axis("policy.hidden_dims=[64,64], [256,256,256]");
        Assert.Equal(["hidden_dims64-64", "hidden_dims256-256-256"], dims.Select(a => a.Label));
        Assert.Equal(["policy.hidden_dims=[256,256,256]"], dims[1].Overrides);
        var grid = PolicyEntry.Grid(bins, PolicyEntry.Axis("train.lr=1e-4,1e-3"));
        Assert.Equal(6, grid.Count);
        Assert.Equal("bins16_lr1e-3", grid[3].Item1);
        Assert.Equal(["policy.bins=16", "train.lr=1e-3"], grid[3].Item2);
        foreach (var bad in new[] { "policy.bins", "policy.bins=", "policy.bins=8,,16", "policy.dims=[1,2", "policy.bins=8,8" })
            Assert.Throws<ArgumentException>(() => PolicyEntry.Axis(bad));
        // The same splitting serves `ablate setting --values`: a two-dimensional condition is one value.
        Assert.Equal(["[0.2,1]", "[1,1]", "0.5"], PolicyEntry.SplitValues("[0.2,1], [1,1],0.5", "--values"));
        Assert.Throws<ArgumentException>(() => PolicyEntry.SplitValues("", "--values"));
    }

    [Fact]
    public void A_sweep_with_vary_trains_exactly_the_given_rows()
    {
        string root = TempDirs.New("sweep-vary");
        try
        {
            string data = CliTests.ForkData(root);
            string dir = Path.Combine(root, "sweep");
            var r = CliTests.Run(BcSweep(data, dir, "5", "--vary", "policy.hidden_dims=[32,32],[64,64]"));
            Assert.True(r.Code == 0, r.Err);
            Assert.Equal(["hidden_dims32-32", "hidden_dims64-64"], Directory.GetDirectories(dir).Select(Path.GetFileName).Order());
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "hidden_dims64-64", "config.json")));
            Assert.Equal([64, 64], config.RootElement.GetProperty("policy").GetProperty("hidden_dims").EnumerateArray().Select(v => v.GetInt32()));
            foreach (var row in new[] { "hidden_dims32-32", "hidden_dims64-64" }) Assert.Contains($"| {row} |", File.ReadAllText(Path.Combine(dir, "sweep.md")));
        }
        finally { TempDirs.Delete(root); }
    }
}
