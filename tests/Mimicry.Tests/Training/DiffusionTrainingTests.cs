using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using Mimicry.Tests.Envs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimicry.Tests.Training;

/// <summary>Training runs share the process's torch thread setting, so they do not run in parallel with each other.</summary>
[Collection(nameof(MemoryMeasurements))]
public class DiffusionTrainingTests
{
    private static List<TrainMetrics> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonSerializer.Deserialize<TrainMetrics>(l, ConfigJson.Compact)!).ToList();

    [Fact]
    public void Loss_falls_on_a_tiny_dataset()
    {
        string run = TempDirs.New("run");
        try
        {
            using var trainer = new Trainer(TinyRuns.Diffusion(steps: 150), TinyRuns.PushT(), run);
            trainer.Run();
            var m = Metrics(run);
            Assert.True(m[^1].Loss < 0.4 * m[0].Loss, $"loss {m[0].Loss:F3} -> {m[^1].Loss:F3}");
            Assert.True(File.Exists(Path.Combine(run, "training_curve.png")));
            Assert.True(File.Exists(Path.Combine(run, "checkpoint", "model.safetensors")));
        }
        finally { TempDirs.Delete(run); }
    }

    [Fact]
    public void A_tiny_unet_overfits_one_window()
    {
        var data = TinyRuns.PushT(1);
        var config = TinyRuns.Diffusion(steps: 0);
        var policyConfig = (DiffusionConfig)config.Policy;
        torch.manual_seed(0);
        var normalizers = Mimicry.Policies.PolicyNormalizers.From(data.Stats!, policyConfig);
        using var policy = new DiffusionPolicy(policyConfig with { Sampler = Mimicry.Generative.SamplerKind.Ddim, NumInferenceSteps = 10 },
            20, 2, normalizers);
        var loader = new BatchLoader(data, [0], policyConfig.Window, [FeatureKeys.Keypoints], normalizers.All(), 64, seed: 0);
        int window = 40;
        using var batch = loader.Assemble(Enumerable.Repeat(window, 64).ToArray());
        using var opt = optim.AdamW(policy.Network.parameters(), 2e-3);
        using var gen = new Generator(0);
        float loss = 0;
        for (int i = 0; i < 600; i++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var l = policy.ComputeLoss(batch, gen);
            l.backward();
            opt.step();
            loss = l.item<float>();
        }
        Assert.True(loss < 0.05, $"final loss {loss}");

        // Sampling from noise reproduces the window's executed actions.
        var kp = data.Values(FeatureKeys.Keypoints);
        var obs = new float[2 * 20];
        for (int k = 0; k < 2; k++) Array.Copy(kp, loader.Sampler.FrameAt(window, k).Frame * 20, obs, k * 20, 20);
        using var actions = policy.PredictActionChunk(torch.tensor(obs).reshape(1, 2, 20), new Generator(3));
        var predicted = actions.data<float>().ToArray();
        var recorded = data.Values(FeatureKeys.Action);
        double err = 0;
        for (int k = 0; k < 8; k++)
        {
            long frame = loader.Sampler.FrameAt(window, 1 + k).Frame;
            err = Math.Max(err, Math.Abs(predicted[2 * k] - recorded[frame * 2]) + Math.Abs(predicted[2 * k + 1] - recorded[frame * 2 + 1]));
        }
        Assert.True(err < 20, $"max L1 error {err:F1} pixels");
    }

    [Fact]
    public void Checkpoint_round_trip_gives_identical_actions()
    {
        string run = TempDirs.New("run");
        try
        {
            using var trainer = new Trainer(TinyRuns.Diffusion(steps: 20), TinyRuns.PushT(3), run);
            trainer.Run();
            var obs = torch.randn(3, 2, 20) * 50 + 250;
            // Act with the trainer's acting (EMA) weights...
            var (_, fromDisk) = Checkpoint.Load(run);
            using (fromDisk)
            {
                var direct = Checkpoint.CreatePolicy(trainer.Policy.Config, trainer.Policy.Normalizers, CPU);
                direct.Network.load_state_dict(trainer.ActingNetwork.state_dict());
                var a = direct.PredictActionChunk(obs, new Generator(11));
                var b = fromDisk.PredictActionChunk(obs, new Generator(11));
                Assert.True(a.eq(b).all().item<bool>(), $"max diff {(a - b).abs().max().item<float>()}");
                Assert.Equal(new long[] { 3, 8, 2 }, b.shape);
                direct.Dispose();
            }
        }
        finally { TempDirs.Delete(run); }
    }

    [Fact]
    public void Resume_reaches_the_same_weights_as_an_uninterrupted_run()
    {
        string straight = TempDirs.New("run"), resumed = TempDirs.New("run");
        try
        {
            var config = TinyRuns.Diffusion(steps: 8) with { Train = TinyRuns.Diffusion(8).Train with { CheckpointEvery = 4, ValFraction = 0.2 } };
            var data = TinyRuns.PushT(5);
            using (var t = new Trainer(config, data, straight)) t.Run();

            using (var t = new Trainer(config, data, resumed))
            {
                using var cts = new CancellationTokenSource();
                t.Run(progress: p => { if (p.Step == 4) cts.Cancel(); }, cancel: cts.Token); // "killed" after the step-4 checkpoint
                Assert.Equal(4, t.Step);
            }
            using (var t = new Trainer(config, data, resumed)) t.Run(resume: true);

            foreach (var file in new[] { "model.safetensors", Path.Combine("training", "model.safetensors") })
            {
                var a = Safetensors.LoadStateDict(Path.Combine(straight, "checkpoint", file));
                var b = Safetensors.LoadStateDict(Path.Combine(resumed, "checkpoint", file));
                Assert.Equal(a.Keys.Order(), b.Keys.Order());
                foreach (var k in a.Keys) Assert.True(a[k].eq(b[k]).all().item<bool>(), $"{file}: {k} differs");
            }
            Assert.Equal(Metrics(straight).Select(m => m.Loss), Metrics(resumed).Select(m => m.Loss));
        }
        finally { TempDirs.Delete(straight, resumed); }
    }

    [Fact]
    public void Live_tensor_count_stays_flat_while_training()
    {
        string run = TempDirs.New("run");
        try
        {
            using var trainer = new Trainer(TinyRuns.Diffusion(steps: 400), TinyRuns.PushT(3), run);
            long at100 = 0, at400 = 0;
            trainer.Run(progress: p =>
            {
                if (p.Step == 100) at100 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                if (p.Step == 400) at400 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            });
            Assert.True(at100 > 0);
            Assert.Equal(at100, at400);
        }
        finally { TempDirs.Delete(run); }
    }

    [Fact]
    public void Loading_with_a_different_architecture_is_a_clear_error()
    {
        string run = TempDirs.New("run");
        try
        {
            var config = TinyRuns.Diffusion(steps: 2);
            using (var t = new Trainer(config, TinyRuns.PushT(2), run)) t.Run();
            var other = config with { Policy = ((DiffusionConfig)config.Policy) with { DownDims = [16, 32, 64] } };
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(run, expected: other));
            Assert.Contains("policy.down_dims", e.Message);
            var e2 = Assert.Throws<InvalidDataException>(() => { using var t = new Trainer(other, TinyRuns.PushT(2), run); t.Run(resume: true); });
            Assert.Contains("down_dims", e2.Message);

            // Weights that do not fit the config name the file.
            File.WriteAllText(Path.Combine(run, "checkpoint", "config.json"),
                File.ReadAllText(Path.Combine(run, "checkpoint", "config.json")).Replace("\"kernel_size\": 5", "\"kernel_size\": 3"));
            var e3 = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(run));
            Assert.Contains("model.safetensors", e3.Message);
        }
        finally { TempDirs.Delete(run); }
    }

    [Fact]
    public void Missing_checkpoint_names_the_path()
    {
        var e = Assert.ThrowsAny<IOException>(() => Checkpoint.Load("/nonexistent/run"));
        Assert.Contains("/nonexistent/run", e.Message);
    }
}
