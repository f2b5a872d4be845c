using Mimicry.Data;
using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Policies;
using Mimicry.Tests.Envs;
using Mimicry.Tests.Training;
using Mimicry.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Policies;

/// <summary>
/// What every registered policy must do, run for each entry of <see cref="PolicyRegistry"/> with its tiny
/// config: learn, save and load, resume exactly, keep memory flat, start finite, and refuse a checkpoint
/// of another architecture.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class PolicyContractTests
{
    private static List<TrainMetrics> Metrics(string run) => TrainingCurve.ReadMetrics(Path.Combine(run, "metrics.jsonl"));

    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Loss_falls_on_a_tiny_dataset(string policy)
    {
        string run = TempDirs.New("run");
        try
        {
            using var trainer = new Trainer(TinyRuns.For(policy, steps: 150), TinyRuns.PushT(), run);
            trainer.Run();
            var m = Metrics(run);
            Assert.Equal(15, m.Count); // one line every 10 steps
            Assert.True(m[^1].Loss < 0.5 * m[0].Loss, $"{policy}: loss {m[0].Loss:F3} -> {m[^1].Loss:F3}");
            Assert.True(File.Exists(Path.Combine(run, "training_curve.png")));
        }
        finally { TempDirs.Delete(run); }
    }

    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Parameters_and_buffers_are_finite_at_initialization(string policy)
    {
        var data = TinyRuns.PushT(2);
        var config = PolicyRegistry.Get(policy).Tiny();
        DerivedFeatures.Ensure(data, config.Inputs.Select(f => f.Key)); // as the trainer does (frame_index, returns)
        using var p = PolicyRegistry.Create(config, PolicyNormalizers.From(data.Stats!, config));
        foreach (var (name, t) in p.Network.named_parameters()) Assert.True(t.isfinite().all().item<bool>(), $"{policy}: parameter {name}");
        foreach (var (name, t) in p.Network.named_buffers()) Assert.True(t.isfinite().all().item<bool>(), $"{policy}: buffer {name}");
        Assert.True(p.ParameterCount() > 0);
    }

    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Checkpoint_round_trip_gives_identical_actions(string policy)
    {
        string run = TempDirs.New("run");
        try
        {
            using var trainer = new Trainer(TinyRuns.For(policy, steps: 20), TinyRuns.PushT(3), run);
            trainer.Run();
            var (_, fromDisk) = Checkpoint.Load(run);
            using var direct = PolicyRegistry.Create(trainer.Policy.Config, trainer.Policy.Normalizers);
            direct.Network.load_state_dict(trainer.ActingNetwork.state_dict());
            using (fromDisk)
            {
                // Three episodes, each fed its own observations for 12 steps (past one chunk), through the actor.
                using var ga = new Generator(11);
                using var gb = new Generator(11);
                using var a = direct.CreateActor(3, ga);
                using var b = fromDisk.CreateActor(3, gb);
                for (int s = 0; s < 3; s++) { a.Reset(s); b.Reset(s); }
                using var gObs = new Generator(5);
                for (int step = 0; step < 12; step++)
                {
                    using var scope = torch.NewDisposeScope();
                    var input = new Mimicry.Policies.Acting.StepInput(new Dictionary<string, Tensor>
                    {
                        [Mimicry.Data.FeatureKeys.Keypoints] = torch.rand([3, 20], generator: gObs) * 400 + 50,
                    }, torch.zeros(3));
                    var x = a.Act([0, 1, 2], input);
                    var y = b.Act([0, 1, 2], input);
                    Assert.Equal(new long[] { 3, 2 }, y.shape);
                    Assert.True(x.eq(y).all().item<bool>(), $"{policy}: step {step}, max diff {(x - y).abs().max().item<float>()}");
                }
            }
        }
        finally { TempDirs.Delete(run); }
    }

    /// <summary>Every kept checkpoint (<c>checkpoints/step-N</c>, what <c>eval --checkpoints last:K</c> scores) loads and acts like the
    /// final one does: a fitted policy's fitted parts are kept with it.</summary>
    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Kept_checkpoints_load_and_act(string policy)
    {
        string run = TempDirs.New("kept");
        try
        {
            var config = TinyRuns.For(policy, steps: 20);
            config = config with { Train = config.Train with { CheckpointEvery = 10, KeepCheckpoints = 2 } };
            using (var trainer = new Trainer(config, TinyRuns.PushT(3), run)) trainer.Run();
            var kept = Checkpoint.Kept(run);
            Assert.Equal([10, 20], kept.Select(k => k.Step));
            foreach (var k in kept)
            {
                var (_, loaded) = Checkpoint.Load(k.Dir);
                using (loaded)
                {
                    using var actor = loaded.CreateActor(1, new Generator(3));
                    actor.Reset(0);
                    using var scope = torch.NewDisposeScope();
                    var input = new Mimicry.Policies.Acting.StepInput(new Dictionary<string, Tensor> { [Mimicry.Data.FeatureKeys.Keypoints] = torch.full(1, 20, 200f) }, torch.zeros(1));
                    Assert.Equal(new long[] { 1, 2 }, actor.Act([0], input).shape);
                }
            }
        }
        finally { TempDirs.Delete(run); }
    }

    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Resume_reaches_the_same_weights_as_an_uninterrupted_run(string policy)
    {
        string straight = TempDirs.New("run"), resumed = TempDirs.New("run");
        try
        {
            var baseConfig = TinyRuns.For(policy, steps: 8);
            var config = baseConfig with { Train = baseConfig.Train with { CheckpointEvery = 4, ValFraction = 0.2, LogEvery = 1 } };
            var data = TinyRuns.PushT(5);
            using (var t = new Trainer(config, data, straight)) t.Run();
            // The "kill": a trainer stopped right after its step-4 checkpoint. The next trainer re-seeds the
            // default generator (which draws dropout masks), so only its saved state gives the same masks.
            using (var t = new Trainer(config, data, resumed))
            {
                using var cts = new CancellationTokenSource();
                t.Run(progress: p => { if (p.Step == 4) cts.Cancel(); }, cancel: cts.Token);
                Assert.Equal(4, t.Step);
            }
            using (var t = new Trainer(config, data, resumed)) t.Run(resume: true);

            foreach (var file in new[] { "model.safetensors", Path.Combine("training", "model.safetensors") })
            {
                var a = Safetensors.LoadStateDict(Path.Combine(straight, "checkpoint", file));
                var b = Safetensors.LoadStateDict(Path.Combine(resumed, "checkpoint", file));
                Assert.Equal(a.Keys.Order(), b.Keys.Order());
                foreach (var k in a.Keys) Assert.True(a[k].eq(b[k]).all().item<bool>(), $"{policy}: {file}: {k} differs");
            }
            Assert.Equal(Metrics(straight).Select(m => m.Loss), Metrics(resumed).Select(m => m.Loss));
            Assert.Equal(8, Metrics(resumed).Count);
        }
        finally { TempDirs.Delete(straight, resumed); }
    }

    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Live_tensor_count_stays_flat_while_training(string policy)
    {
        string run = TempDirs.New("run");
        try
        {
            using var trainer = new Trainer(TinyRuns.For(policy, steps: 300), TinyRuns.PushT(3), run);
            long at100 = 0, at300 = 0;
            trainer.Run(progress: p =>
            {
                if (p.Step == 100) at100 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                if (p.Step == 300) at300 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            });
            Assert.True(at100 > 0);
            Assert.Equal(at100, at300);
        }
        finally { TempDirs.Delete(run); }
    }

    [Theory, MemberData(nameof(TinyRuns.Policies), MemberType = typeof(TinyRuns))]
    public void Config_round_trips_through_json_with_its_registered_type(string policy)
    {
        var entry = PolicyRegistry.Get(policy);
        var config = new RunConfig { Policy = entry.Tiny(), Train = entry.TrainDefaults() };
        string json = ConfigJson.Serialize(config);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(policy, doc.RootElement.GetProperty("policy").GetProperty("type").GetString());
        var back = ConfigJson.Deserialize<RunConfig>(json, "test");
        Assert.IsType(entry.ConfigType, back.Policy);
        Assert.Equal(json, ConfigJson.Serialize(back));
        Assert.Equal(policy, back.Policy.Name);
    }

    [Fact]
    public void Loading_with_a_different_architecture_is_a_clear_error()
    {
        string run = TempDirs.New("run");
        try
        {
            var config = TinyRuns.Diffusion(steps: 2);
            using (var t = new Trainer(config, TinyRuns.PushT(2), run)) t.Run();
            var other = config with { Policy = ((Mimicry.Policies.Diffusion.DiffusionConfig)config.Policy) with { DownDims = [16, 32, 64] } };
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(run, expected: other));
            Assert.Contains("policy.down_dims", e.Message);
            var e2 = Assert.Throws<InvalidDataException>(() => { using var t = new Trainer(other, TinyRuns.PushT(2), run); t.Run(resume: true); });
            Assert.Contains("down_dims", e2.Message);
            // An acting-only difference is not another architecture when evaluating...
            var ddim = config with { Policy = ((Mimicry.Policies.Diffusion.DiffusionConfig)config.Policy) with { Sampler = Mimicry.Generative.SamplerKind.Ddim } };
            var (_, p) = Checkpoint.Load(run, expected: ddim);
            p.Dispose();
            // ...but it is when resuming training.
            var e4 = Assert.Throws<InvalidDataException>(() => { using var t = new Trainer(ddim, TinyRuns.PushT(2), run); t.Run(resume: true); });
            Assert.Contains("policy.sampler", e4.Message);

            // A hand-edited checkpoint file is caught by the checkpoint's checksums...
            File.WriteAllText(Path.Combine(run, "checkpoint", "config.json"),
                File.ReadAllText(Path.Combine(run, "checkpoint", "config.json")).Replace("\"kernel_size\": 5", "\"kernel_size\": 3"));
            var e3 = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(run));
            Assert.Contains("config.json: contents changed", e3.Message);
            // ...and without them (a hand-assembled checkpoint), weights that do not fit the config name the file.
            File.Delete(Path.Combine(run, "checkpoint", "checksums.json"));
            var e5 = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(run));
            Assert.Contains("model.safetensors", e5.Message);
        }
        finally { TempDirs.Delete(run); }
    }

    [Fact]
    public void Acting_overrides_change_only_acting_fields()
    {
        string run = TempDirs.New("run");
        try
        {
            using (var t = new Trainer(TinyRuns.For("bc", steps: 2), TinyRuns.PushT(2), run)) t.Run();
            var (config, p) = Checkpoint.Load(run, acting: ["policy.n_action_steps=4", "policy.execution=temporal_ensemble"]);
            p.Dispose();
            Assert.Equal(4, config.Policy.NActionSteps);
            Assert.Equal(ActionExecution.TemporalEnsemble, config.Policy.Execution);
            var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(run, acting: ["policy.sampler=ddim"]));
            Assert.Contains("bc policy", e.Message);
            Assert.Contains("policy.n_action_steps", e.Message); // lists what can be changed
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(run, acting: ["policy.hidden_dims=[8]"]));
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(run, acting: ["policy.n_action_steps=40"])); // does not fit the horizon
        }
        finally { TempDirs.Delete(run); }
    }

    [Fact]
    public void Missing_checkpoint_names_the_path()
    {
        var e = Assert.ThrowsAny<IOException>(() => Checkpoint.Load("/nonexistent/run"));
        Assert.Contains("/nonexistent/run", e.Message);
    }

    [Fact]
    public void Registry_names_and_config_types_are_unique_and_acting_fields_are_declared()
    {
        Assert.Equal(PolicyRegistry.All.Count, PolicyRegistry.Names.Distinct().Count());
        Assert.Equal(PolicyRegistry.All.Count, PolicyRegistry.All.Select(e => e.ConfigType).Distinct().Count());
        Assert.Equal(["condition_value", "ddim_eta", "execution", "guidance_interval", "guidance_scale", "n_action_steps", "num_inference_steps", "sampler", "temporal_ensemble_coeff", "timestep_spacing"],
            PolicyRegistry.Get("diffusion").ActingFields);
        Assert.Equal(["condition_value", "execution", "guidance_interval", "guidance_scale", "n_action_steps", "num_inference_steps", "sampler", "temporal_ensemble_coeff"], PolicyRegistry.Get("flow").ActingFields);
        Assert.Equal(["execution", "latent", "n_action_steps", "temporal_ensemble_coeff"], PolicyRegistry.Get("act").ActingFields);
        Assert.Equal(["execution", "n_action_steps", "temporal_ensemble_coeff"], PolicyRegistry.Get("bc").ActingFields);
    }
}
