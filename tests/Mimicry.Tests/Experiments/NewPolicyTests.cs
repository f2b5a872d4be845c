using System.Text.Json;
using Mimicry.Evaluation;
using Mimicry.Experiments.Compare;
using Mimicry.Experiments.Multimodal;
using Mimicry.Policies;
using Mimicry.Tests.Cli;
using Mimicry.Tests.Policies.Linear;

namespace Mimicry.Tests.Experiments;

/// <summary>
/// "A policy is one folder plus one registry line", for everything: the linear policy of this test project (its folder,
/// <c>Policies/Linear/</c>) is registered with one line and then trains, evaluates, sweeps, compares and forks like the
/// built-in ones, with nothing else naming it.
/// </summary>
public class NewPolicyTests
{
    [Fact]
    public void A_policy_registered_from_outside_appears_in_train_eval_sweep_compare_and_multimodal()
    {
        string root = TempDirs.New("new-policy");
        using (PolicyRegistry.Register(LinearEntry.Entry)) // the one registry line
        try
        {
            string data = CliTests.ForkData(root);

            // train: `mimicry train linear` exists and trains (the fork dataset has no keypoints: the task's state is read).
            string run = Path.Combine(root, "run");
            var train = CliTests.Run("train", "linear", "--dataset", data, "--out", run, "--steps", "30", "--set", "train.batch_size=16");
            Assert.True(train.Code == 0, train.Err);
            using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "checkpoint", "config.json"))))
                Assert.Equal("linear", config.RootElement.GetProperty("policy").GetProperty("type").GetString());

            // eval: the checkpoint loads through the registry and acts.
            var eval = CliTests.Run("eval", run, "--episodes", "3", "--out", Path.Combine(root, "eval"));
            Assert.True(eval.Code == 0, eval.Err);
            using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "eval", "report.json"))))
            {
                var row = Assert.Single(report.RootElement.GetProperty("policies").EnumerateArray());
                Assert.Equal("linear", row.GetProperty("policy_type").GetString());
                Assert.Equal(3, row.GetProperty("result").GetProperty("episodes").GetInt32());
            }

            // sweep: its registered sweep (two learning rates) is trained and evaluated row by row.
            string sweep = Path.Combine(root, "sweep");
            var swept = CliTests.Run("sweep", "linear", "--dataset", data, "--out", sweep, "--steps", "20", "--episodes", "2", "--set", "train.batch_size=16");
            Assert.True(swept.Code == 0, swept.Err);
            string sweepMd = File.ReadAllText(Path.Combine(sweep, "sweep.md"));
            Assert.Contains("lr1e-3", sweepMd);
            Assert.Contains("lr1e-2", sweepMd);

            // compare: its arm is planned on both tasks with the variant its entry declares, and its claim is checked in the report.
            var planned = ComparePlan.Build(ComparePlan.AllTasks, 1, quick: true, (_, _) => 10).Where(e => e.Policy == "linear").ToList();
            Assert.Equal(ComparePlan.AllTasks, planned.Select(e => e.Task));
            Assert.All(planned, e => Assert.Equal([LinearEntry.Plain], e.Variants.Select(v => v.Id)));
            string compare = Path.Combine(root, "compare");
            var rows = CompareRunner.RunAndReport(new CompareOptions { Quick = true, QuickSteps = 20, Seeds = 1, Episodes = 2, LatencyCalls = 2, Tasks = ["fork"], Policies = ["linear"] },
                compare, _ => { });
            Assert.Equal(LinearEntry.Plain, Assert.Single(rows!).Id);
            Assert.Contains("| Linear | averages modes |", File.ReadAllText(Path.Combine(compare, "report.md")));

            // multimodal: its tiny config reads the fork's state and is acted as the comparison acts it.
            var fork = MultimodalExperiment.Run(new MultimodalOptions { Policies = ["linear"], Demonstrations = 20, Steps = 30, EvalEpisodes = 3, ForkSamples = 10 },
                Path.Combine(root, "multimodal"));
            var result = Assert.Single(fork);
            Assert.Equal("linear", result.Policy);
            Assert.Equal(3, result.Eval.Episodes);
            Assert.Equal(1.0, result.Samples.Left + result.Samples.Middle + result.Samples.Right, 9);
        }
        finally { TempDirs.Delete(root); }
        // Removed again when the registration is disposed.
        Assert.DoesNotContain("linear", PolicyRegistry.Names);
    }
}
