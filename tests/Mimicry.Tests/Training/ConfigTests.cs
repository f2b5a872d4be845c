using Mimicry.Configuration;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;

namespace Mimicry.Tests.Training;

public class ConfigTests
{
    [Fact]
    public void Defaults_are_the_published_ones_and_round_trip_through_json()
    {
        var c = new RunConfig();
        var json = ConfigJson.Serialize(c);
        Assert.Contains("\"type\": \"diffusion\"", json);
        Assert.Contains("\"beta_schedule\": \"squared_cos_cap_v2\"", json);
        var back = ConfigJson.Deserialize<RunConfig>(json, "test");
        var d = (DiffusionConfig)back.Policy;
        Assert.Equal(new[] { 256, 512, 1024 }, d.DownDims);
        Assert.Equal(5, d.KernelSize);
        Assert.Equal(100, d.NumTrainTimesteps);
        Assert.Equal((2, 16, 8), (d.NObsSteps, d.Horizon, d.NActionSteps));
        Assert.Equal(1e-4, back.Train.Lr);
        Assert.Equal(0.75, back.Train.EmaPower);
        Assert.Equal(json, ConfigJson.Serialize(back));
    }

    [Fact]
    public void Bad_json_names_the_file_and_field()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, ConfigJson.Serialize(new RunConfig()).Replace("\"kernel_size\": 5", "\"kernel_size\": \"five\""));
            var e = Assert.Throws<InvalidDataException>(() => ConfigJson.Load<RunConfig>(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("kernel_size", e.Message);

            File.WriteAllText(path, ConfigJson.Serialize(new RunConfig()).Replace("\"kernel_size\": 5", "\"kernel_sise\": 5"));
            var e2 = Assert.Throws<InvalidDataException>(() => ConfigJson.Load<RunConfig>(path));
            Assert.Contains("kernel_sise", e2.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Overrides_are_type_checked_and_unknown_keys_rejected()
    {
        var c = ConfigJson.WithOverrides(new RunConfig(), ["policy.down_dims=[64,128,256]", "train.lr=3e-4", "device=cuda"]);
        Assert.Equal(new[] { 64, 128, 256 }, ((DiffusionConfig)c.Policy).DownDims);
        Assert.Equal(3e-4, c.Train.Lr);
        Assert.Equal("cuda", c.Device);
        Assert.Throws<ArgumentException>(() => ConfigJson.WithOverrides(new RunConfig(), ["train.learning_rate=1"]));
        Assert.Throws<InvalidDataException>(() => ConfigJson.WithOverrides(new RunConfig(), ["train.steps=many"]));
    }

    [Fact]
    public void Invalid_windows_are_rejected_with_the_field_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new DiffusionConfig { Horizon = 10, DownDims = [8, 16, 32] }.Validate());
        Assert.Contains("horizon", e.Message);
        Assert.Throws<ArgumentException>(() => new DiffusionConfig { NActionSteps = 20 }.Validate());
    }

    [Fact]
    public void Ema_decay_follows_DPs_warmup()
    {
        var c = new TrainConfig();
        using var a = TorchSharp.torch.nn.Linear(2, 2);
        using var b = TorchSharp.torch.nn.Linear(2, 2);
        using var ema = new Ema(a, b, Mimicry.Training.Optim.FlatParameterGroup.Create(b), c);
        Assert.Equal(0.0, ema.DecayAt(0));
        Assert.Equal(0.0, ema.DecayAt(1));
        Assert.Equal(1 - Math.Pow(1 + 9, -0.75), ema.DecayAt(10), 12);
        Assert.Equal(0.9999, ema.DecayAt(100_000_000), 12);
    }

    [Fact]
    public void Lr_schedules_warm_up_then_follow_cosine_or_stay_constant()
    {
        Assert.Equal(0.5, LrSchedule.Factor(LrSchedulerKind.Cosine, 250, 500, 10_000), 12);
        Assert.Equal(1.0, LrSchedule.Factor(LrSchedulerKind.Cosine, 500, 500, 10_000), 12);
        Assert.Equal(0.5, LrSchedule.Factor(LrSchedulerKind.Cosine, 5_250, 500, 10_000), 12); // halfway: cos(π/2) = 0
        Assert.Equal(0.0, LrSchedule.Factor(LrSchedulerKind.Cosine, 10_000, 500, 10_000), 12);
        Assert.Equal(0.5, LrSchedule.Factor(LrSchedulerKind.Constant, 250, 500, 10_000), 12);
        Assert.Equal(1.0, LrSchedule.Factor(LrSchedulerKind.Constant, 9_999, 500, 10_000), 12);
        Assert.Equal(1.0, LrSchedule.Factor(LrSchedulerKind.Constant, 0, 0, 10_000), 12);
    }

    [Fact]
    public void Ema_copies_buffers_and_averages_parameters()
    {
        using var model = TorchSharp.torch.nn.BatchNorm1d(3);
        using var averaged = TorchSharp.torch.nn.BatchNorm1d(3);
        using var ema = new Ema(averaged, model, Mimicry.Training.Optim.FlatParameterGroup.Create(model), new TrainConfig());
        using (TorchSharp.torch.no_grad())
        {
            model.running_mean!.fill_(2.0f);
            model.weight!.fill_(3.0f);
        }
        ema.Step(); // DP's warm-up: decay 0 for the first two steps, everything copied
        ema.Step();
        using (TorchSharp.torch.no_grad()) model.weight!.fill_(5.0f);
        ema.Step(); // third step: decay = 1 - (1 + 1)^-0.75
        double decay = 1 - Math.Pow(2, -0.75);
        Assert.Equal(2.0f, averaged.running_mean!.data<float>()[0]); // a buffer: copied, not averaged
        Assert.Equal(decay * 3 + (1 - decay) * 5, averaged.weight!.data<float>()[0], 5);
    }
}
