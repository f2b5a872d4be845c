using System.Text.Json;

namespace Mimicry.Tests.Cli;

public class AblateCliTests
{
    [Fact]
    public void Steps_ablation_evaluates_every_sampler_a_run_allows()
    {
        string root = TempDirs.New("ablate");
        try
        {
            string data = CliTests.ForkData(root);
            foreach (var policy in new[] { "diffusion", "flow" })
            {
                var t = CliTests.Run("train", policy, "--dataset", data, "--out", Path.Combine(root, policy), "--steps", "20", "--set", "train.threads=1",
                    "--set", "policy.observation_key=observation.state", "--set", "policy.down_dims=[16,32]", "--set", "train.batch_size=32");
                Assert.True(t.Code == 0, t.Err);
            }
            string dir = Path.Combine(root, "steps");
            var r = CliTests.Run("ablate", "steps", Path.Combine(root, "diffusion"), Path.Combine(root, "flow"), "--out", dir, "--steps", "1,2", "--episodes", "2", "--latency-calls", "2");
            Assert.True(r.Code == 0, r.Err);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "steps.json")));
            var rows = doc.RootElement.GetProperty("rows").EnumerateArray()
                .Select(x => (Sampler: x.GetProperty("sampler").GetString(), Spacing: x.GetProperty("spacing").GetString(), Steps: x.GetProperty("steps").GetInt32(),
                    Passes: x.GetProperty("network_passes").GetInt32(), Reward: x.GetProperty("avg_max_reward").GetDouble())).ToList();
            // Diffusion: DDPM at its 100 training steps, DDIM leading and trailing at 1 and 2; flow: Euler and Heun at 1 and 2.
            Assert.Equal([("ddpm", "leading", 100, 100), ("ddim", "leading", 1, 1), ("ddim", "leading", 2, 2), ("ddim", "trailing", 1, 1), ("ddim", "trailing", 2, 2),
                ("euler", "-", 1, 1), ("euler", "-", 2, 2), ("heun", "-", 1, 1), ("heun", "-", 2, 3)], rows.Select(x => (x.Sampler, x.Spacing, x.Steps, x.Passes)));
            // A row scores what a plain eval with the same settings scores.
            var e = CliTests.Run("eval", Path.Combine(root, "flow"), "--sampler", "heun", "--inference-steps", "2", "--episodes", "2", "--out", Path.Combine(root, "e"));
            Assert.True(e.Code == 0, e.Err);
            using var single = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "e", "report.json")));
            Assert.Equal(single.RootElement.GetProperty("policies")[0].GetProperty("result").GetProperty("avg_max_reward").GetDouble(), rows[^1].Reward);
            Assert.True(File.Exists(Path.Combine(dir, "steps_latency.png")));
            // A sampler of the other family is refused in one line.
            var bad = CliTests.Run("eval", Path.Combine(root, "flow"), "--sampler", "ddpm", "--episodes", "1", "--out", Path.Combine(root, "bad"));
            Assert.Equal(1, bad.Code);
            Assert.Contains("sampler", bad.Err);
            Assert.DoesNotContain("   at ", bad.Err);
        }
        finally { TempDirs.Delete(root); }
    }

    /// <summary>The Decision Transformer on the stitching graph, asked for each return: the rows are what eval gives with that target.</summary>
    [Fact]
    public void Setting_ablation_sweeps_one_acting_setting()
    {
        string root = TempDirs.New("ablate-setting");
        try
        {
            string data = Path.Combine(root, "stitch");
            Assert.Equal(0, CliTests.Run("dataset", "generate", data, "--task", "stitch", "--episodes", "50").Code);
            var t = CliTests.Run("train", "dt", "--dataset", data, "--out", Path.Combine(root, "dt"), "--steps", "300", "--set", "train.threads=1", "--set", "train.lr=0.001",
                "--set", "train.warmup_steps=30", "--set", "policy.observation_key=observation.state", "--set", "policy.n_obs_steps=4", "--set", "policy.horizon=4",
                "--set", "policy.embed_dim=32", "--set", "policy.n_head=2", "--set", "policy.dropout=0", "--set", "policy.max_episode_length=4", "--set", "train.val_fraction=0");
            Assert.True(t.Code == 0, t.Err);
            string dir = Path.Combine(root, "targets");
            var r = CliTests.Run("ablate", "setting", Path.Combine(root, "dt"), "--setting", "policy.target_return", "--values", "0,0.5", "--episodes", "2", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "setting.json")));
            var rows = doc.RootElement.GetProperty("rows").EnumerateArray().Select(x => (Value: x.GetProperty("value").GetString(), Reward: x.GetProperty("avg_max_reward").GetDouble())).ToList();
            Assert.Equal(["0", "0.5"], rows.Select(x => x.Value));
            // The data at S hold returns 0 (S→M→X) and 0.5 (S→Z): asked for each, the DT takes that path.
            Assert.Equal(0.0, rows[0].Reward);
            Assert.Equal(0.5, rows[1].Reward);
            var e = CliTests.Run("eval", Path.Combine(root, "dt"), "--set", "policy.target_return=0.5", "--episodes", "2", "--out", Path.Combine(root, "e"));
            Assert.True(e.Code == 0, e.Err);
            using var single = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "e", "report.json")));
            Assert.Equal(single.RootElement.GetProperty("policies")[0].GetProperty("result").GetProperty("avg_max_reward").GetDouble(), rows[1].Reward);
            Assert.True(File.Exists(Path.Combine(dir, "setting.png")));
            var bad = CliTests.Run("ablate", "setting", Path.Combine(root, "dt"), "--setting", "train.lr", "--values", "1", "--out", Path.Combine(root, "bad"));
            Assert.Equal(1, bad.Code);
            Assert.DoesNotContain("   at ", bad.Err);
        }
        finally { TempDirs.Delete(root); }
    }
}
