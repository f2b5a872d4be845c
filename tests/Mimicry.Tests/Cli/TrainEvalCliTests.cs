using System.Text.Json;
using Mimicry.Tests.Envs;

namespace Mimicry.Tests.Cli;

/// <summary>`train` and `eval` driven through the command line, as a user types them.</summary>
[Collection(nameof(MemoryMeasurements))]
public class TrainEvalCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void Fork_dataset_train_bc_and_eval_with_acting_overrides()
    {
        string root = TempDirs.New("cli");
        try
        {
            string data = CliTests.ForkData(root, 20), run = Path.Combine(root, "bc"), report = Path.Combine(root, "eval");
            var (code, output, err) = Run("train", "bc", "--dataset", data, "--out", run, "--steps", "30", "--task", "fork",
                "--set", "policy.observation_key=observation.state", "--set", "train.threads=1", "--set", "train.batch_size=16", "--set", "train.log_every=10");
            Assert.True(code == 0, err);
            Assert.Contains("done: 30 steps", output);
            var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
            Assert.Equal(3, metrics.Length);
            using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "checkpoint", "config.json"))))
            {
                Assert.Equal("bc", config.RootElement.GetProperty("policy").GetProperty("type").GetString());
                Assert.Equal("fork", config.RootElement.GetProperty("task").GetString());
            }

            (code, output, err) = Run("eval", run, "--episodes", "3", "--out", report, "--set", "policy.execution=temporal_ensemble");
            Assert.True(code == 0, err);
            using (var r = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json"))))
            {
                var entry = r.RootElement.GetProperty("policies")[0];
                Assert.Equal("bc", entry.GetProperty("policy_type").GetString());
                Assert.Equal("policy.execution=temporal_ensemble", entry.GetProperty("acting")[0].GetString());
                var result = entry.GetProperty("result");
                Assert.Equal(3, result.GetProperty("per_episode").GetArrayLength());
                Assert.Equal(100000, result.GetProperty("per_episode")[0].GetProperty("seed").GetInt64());
                Assert.Equal(30, entry.GetProperty("train_steps").GetInt32());
                // Temporal ensembling predicts at every step of every live episode.
                int steps = result.GetProperty("per_episode").EnumerateArray().Select(e => e.GetProperty("steps").GetInt32()).Max();
                Assert.Equal(steps, result.GetProperty("policy_calls").GetInt32());
            }
            Assert.Contains("policy.execution=temporal_ensemble", File.ReadAllText(Path.Combine(report, "report.md")));

            // A diffusion-only setting on a BC run is one clear line, not a silent no-op.
            (code, _, err) = Run("eval", run, "--episodes", "1", "--out", report, "--sampler", "ddim");
            Assert.Equal(1, code);
            Assert.Contains("bc policy", err);
            Assert.DoesNotContain("   at ", err);
            (code, _, err) = Run("eval", run, "--episodes", "1", "--out", report, "--set", "policy.hidden_dims=[8]");
            Assert.Equal(1, code);
            Assert.Contains("policy.hidden_dims", err);
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void Train_diffusion_on_pusht_then_eval_with_another_sampler()
    {
        string root = TempDirs.New("cli");
        try
        {
            string run = Path.Combine(root, "dp");
            var (code, _, err) = Run("train", "diffusion", "--dataset", TestData.BundledPushT, "--out", run, "--steps", "4",
                "--set", "policy.down_dims=[16,32]", "--set", "policy.diffusion_step_embed_dim=32", "--set", "train.batch_size=8", "--set", "train.threads=1");
            Assert.True(code == 0, err);
            (code, var output, err) = Run("eval", run, "--episodes", "2", "--max-steps", "16", "--sampler", "ddim", "--inference-steps", "2");
            Assert.True(code == 0, err);
            Assert.Contains("avg max reward", output);
            using var r = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "eval", "report.json")));
            var entry = r.RootElement.GetProperty("policies")[0];
            Assert.Equal(["policy.sampler=ddim", "policy.num_inference_steps=2"], entry.GetProperty("acting").EnumerateArray().Select(a => a.GetString()!));
            Assert.Equal(16, entry.GetProperty("result").GetProperty("per_episode")[0].GetProperty("steps").GetInt32());
            // Receding horizon, Ta = 8: two chunks per 16-step episode.
            Assert.Equal(2, entry.GetProperty("result").GetProperty("policy_calls").GetInt32());

            (code, _, err) = Run("eval", run, "--episodes", "1", "--inference-steps", "1000");
            Assert.Equal(1, code);
            Assert.Contains("num_inference_steps", err);
        }
        finally { TempDirs.Delete(root); }
    }
}
