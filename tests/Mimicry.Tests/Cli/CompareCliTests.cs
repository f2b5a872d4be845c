using System.Text.Json;
using Mimicry.Policies;
using Mimicry.Policies.Common;

namespace Mimicry.Tests.Cli;

public class CompareCliTests
{
    /// <summary>On Push-T the comparison's policies are the shipped CPU presets' networks and optimizer settings (one source of truth for "the CPU-sized model").</summary>
    [Theory]
    [InlineData("diffusion", "dp-pusht-lowdim-cpu-lr1e-3")]
    [InlineData("flow", "flow-pusht-lowdim-cpu-lr1e-3")]
    [InlineData("act", "act-pusht-cpu")]
    [InlineData("bet", "bet-chunks-pusht-lowdim-cpu")]
    [InlineData("dt", "dt-pusht-lowdim-cpu")]
    public void Compare_trains_the_cpu_presets_networks_on_pusht(string policy, string preset)
    {
        var compared = Mimicry.Experiments.Compare.ComparePlan.Config(PolicyRegistry.Get(policy), Mimicry.Envs.Tasks.PushT, 0, quick: false, steps: 1000);
        var shipped = Mimicry.Training.Presets.Get(preset).Config;
        Assert.Equal(Mimicry.Configuration.ConfigJson.Serialize(shipped.Policy), Mimicry.Configuration.ConfigJson.Serialize(compared.Policy));
        Assert.Equal((shipped.Train.BatchSize, shipped.Train.Lr, shipped.Train.Split, shipped.Train.MaxTrainEpisodes), (compared.Train.BatchSize, compared.Train.Lr, compared.Train.Split, compared.Train.MaxTrainEpisodes));
    }

    /// <summary>
    /// The plan, worked out by hand: 6 registered policies on 2 tasks, plus FAST tokens on both and diffusion and flow with
    /// the fork's side as a guidance condition on the fork only; every fork run at batch 64; distinct run names.
    /// </summary>
    /// <summary>The equal-samples axis: every Push-T arm sees the same windows whatever its batch (diffusion at DP's batch 256:
    /// 1,024,000 windows are 4,000 steps, the CPU preset's).</summary>
    [Fact]
    public void Equal_samples_give_every_arm_the_same_windows()
    {
        const long samples = 1_024_000;
        Assert.Equal(4000, Mimicry.Experiments.Compare.ComparePlan.StepsForSamples("diffusion", Mimicry.Envs.Tasks.PushT, samples));
        foreach (var arm in Mimicry.Experiments.Compare.ComparePlan.Arms.Where(a => a.Tasks.Contains(Mimicry.Envs.Tasks.PushT)))
        {
            int batch = Mimicry.Experiments.Compare.ComparePlan.BatchSize(arm.Name, Mimicry.Envs.Tasks.PushT);
            long seen = (long)Mimicry.Experiments.Compare.ComparePlan.StepsForSamples(arm.Name, Mimicry.Envs.Tasks.PushT, samples) * batch;
            Assert.InRange(seen, samples, samples + batch - 1);
        }
        var e = Assert.Throws<ArgumentException>(() => new Mimicry.Experiments.Compare.CompareOptions { ForkSamples = 5000 }.Validate());
        Assert.Contains("--samples", e.Message);
    }

    [Fact]
    public void Plan_holds_every_policy_plus_fast_tokens_and_guided_fork_arms()
    {
        var plan = Mimicry.Experiments.Compare.ComparePlan.Build(["pusht", "fork"], seeds: 2, quick: false, steps: (_, _) => 100);
        Assert.Equal(7, PolicyRegistry.Names.Count());
        Assert.Equal((7 * 2 + 2 + 2) * 2, plan.Count);
        Assert.Equal(plan.Count, plan.Select(e => e.RunName).Distinct().Count());
        Assert.All(plan.Where(e => e.Task == "fork"), e => Assert.Equal(64, e.Config.Train.BatchSize));
        Assert.All(plan.Where(e => e.Task == "pusht" && e.Policy == "diffusion"), e => Assert.Equal(256, e.Config.Train.BatchSize));
        var guided = plan.Where(e => e.Arm.EndsWith("-cfg")).ToList();
        Assert.Equal(["diffusion", "flow"], guided.Select(e => e.Policy).Distinct().Order());
        Assert.All(guided, e => Assert.Equal(("fork", "demo.side"), (e.Task, ((UnetPolicyConfig)e.Config.Policy).Condition)));
        Assert.All(plan.Where(e => !e.Arm.EndsWith("-cfg") && e.Config.Policy is UnetPolicyConfig), e => Assert.Null(((UnetPolicyConfig)e.Config.Policy).Condition));
        var fast = plan.Where(e => e.Arm == "tokens-fast").ToList();
        Assert.Equal(4, fast.Count);
        Assert.All(fast, e => Assert.Equal(Mimicry.Policies.Tokens.TokenizerKind.Fast, ((Mimicry.Policies.Tokens.ActionTokensConfig)e.Config.Policy).Tokenizer));
        // The budget per task: Push-T's minutes and the fork's own.
        var o = new Mimicry.Experiments.Compare.CompareOptions { BudgetMinutes = 7, ForkBudgetMinutes = 2 };
        Assert.Equal((7.0, 2.0), (o.Budget("pusht"), o.Budget("fork")));
    }

    /// <summary>A quick comparison trains and evaluates every registered policy on both tasks, and a second call only rereads the cache.</summary>
    [Fact]
    public void Quick_compare_reports_every_registered_policy_and_resumes_from_its_cache()
    {
        string dir = TempDirs.New("compare");
        try
        {
            var r = CliTests.Run("compare", "--quick", "--seeds", "1", "--episodes", "2", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            var summary = doc.RootElement.GetProperty("summary").EnumerateArray().ToList();
            foreach (var task in new[] { "pusht", "fork" })
                foreach (var policy in PolicyRegistry.Names)
                    Assert.Contains(summary, s => s.GetProperty("policy").GetString() == policy && s.GetProperty("task").GetString() == task);
            foreach (var s in summary)
            {
                Assert.InRange(s.GetProperty("reward").GetProperty("mean").GetDouble(), 0, 1);
                Assert.InRange(s.GetProperty("actions").GetProperty("out_of_bounds").GetDouble(), 0, 1);
                Assert.True(s.GetProperty("cost").GetProperty("train_steps").GetInt32() == 40);
            }
            // Chunking policies on the fork report where their samples land; the three shares add up to 1.
            var dp = summary.Single(s => s.GetProperty("row").GetString() == "diffusion DDIM-10" && s.GetProperty("task").GetString() == "fork");
            var fork = dp.GetProperty("fork");
            Assert.Equal(1.0, fork.GetProperty("left").GetDouble() + fork.GetProperty("middle").GetDouble() + fork.GetProperty("right").GetDouble(), 6);
            // The guided fork rows exist for both samplers, and a guided call costs two network passes per step.
            foreach (var (row, passes) in new[] { ("diffusion + CFG asking left (s = 2)", 200), ("flow + CFG, unconditional (s = 0)", 10) })
                Assert.Equal(passes, summary.Single(s => s.GetProperty("row").GetString() == row).GetProperty("cost").GetProperty("network_passes").GetInt32());
            Assert.Contains(summary, s => s.GetProperty("row").GetString() == "tokens (FAST, greedy)" && s.GetProperty("task").GetString() == "pusht");
            foreach (var f in new[] { "report.md", "pareto-pusht.png", "bars-fork.png" }) Assert.True(File.Exists(Path.Combine(dir, f)), f);
            // Killed or finished, a second call trains and evaluates nothing again.
            var again = CliTests.Run("compare", "--quick", "--seeds", "1", "--episodes", "2", "--out", dir);
            Assert.True(again.Code == 0, again.Err);
            var lines = again.Out.Split('\n');
            Assert.DoesNotContain(lines, l => l.StartsWith("training ") || l.StartsWith("evaluating "));
            // One run per registered policy and task, plus tokens with FAST on both tasks and diffusion and flow with CFG on the fork.
            Assert.Contains($"{2 * PolicyRegistry.Names.Count() + 2 + 2} trained", again.Out);
        }
        finally { TempDirs.Delete(dir); }
    }

    /// <summary>Paper-style selection on both budget axes: the last 3 checkpoints of a quick 40-step run (spaced over the final tenth:
    /// 1 step apart) are each evaluated; the summary's max and avg are each seed's best and mean of those rows, worked here from the rows.</summary>
    [Fact]
    public void Compare_scores_the_last_checkpoints_on_both_budget_axes()
    {
        string dir = TempDirs.New("compare-k");
        try
        {
            Assert.Equal(80, Mimicry.Experiments.Compare.ComparePlan.CheckpointSpacing(4000, 5)); // dp-pusht-lowdim-cpu's checkpoint_every
            Assert.Equal(1, Mimicry.Experiments.Compare.ComparePlan.CheckpointSpacing(40, 3));
            var r = CliTests.Run("compare", "--quick", "--seeds", "2", "--episodes", "4", "--tasks", "fork", "--policies", "bc", "--samples", "5000", "--budget", "1",
                "--last-checkpoints", "3", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
            foreach (var axis in new[] { "equal samples", "equal minutes" })
            {
                var mine = rows.Where(x => x.GetProperty("axis").GetString() == axis).ToList();
                Assert.Equal(2 * 3, mine.Count); // 2 seeds x 3 checkpoints of bc's one variant
                Assert.Equal([38, 39, 40], mine.Where(x => x.GetProperty("seed").GetInt32() == 0).Select(x => x.GetProperty("checkpoint").GetInt32()).Order());
                var perSeed = mine.GroupBy(x => x.GetProperty("seed").GetInt32())
                    .Select(g => g.Select(x => x.GetProperty("eval").GetProperty("avg_max_reward").GetDouble()).ToList()).ToList();
                var summary = doc.RootElement.GetProperty("summary").EnumerateArray().Single(x => x.GetProperty("axis").GetString() == axis);
                Assert.Equal(perSeed.Average(v => v.Max()), summary.GetProperty("reward_max").GetProperty("mean").GetDouble(), 9);
                Assert.Equal(perSeed.Average(v => v.Average()), summary.GetProperty("reward").GetProperty("mean").GetDouble(), 9);
                Assert.Equal(3, summary.GetProperty("checkpoints").GetInt32());
            }
            string md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("## fork, equal samples", md);
            Assert.Contains("## fork, equal minutes", md);
            Assert.Contains("max / avg", md);
        }
        finally { TempDirs.Delete(dir); }
    }
}
