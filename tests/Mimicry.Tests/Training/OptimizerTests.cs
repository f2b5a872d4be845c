using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using Mimicry.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Configuration;

namespace Mimicry.Tests.Training;

public class OptimizerTests
{
    private static (DiffusionPolicy Policy, BatchLoader Loader) TinyUnet(int seed)
    {
        var data = TinyRuns.PushT(2);
        var config = new DiffusionConfig { DownDims = [16, 32], DiffusionStepEmbedDim = 32, Horizon = 16 };
        torch.manual_seed(seed);
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        return (new DiffusionPolicy(config, normalizers), new BatchLoader(data, [0, 1], config.TrainingWindow, normalizers.All(), 32, seed: 0));
    }

    private static IReadOnlyList<ParameterGroup> NanoGptGroups(nn.Module net) =>
    [
        new("matrices", net.parameters().Where(p => p.dim() >= 2).ToList(), WeightDecay: true),
        new("vectors", net.parameters().Where(p => p.dim() < 2).ToList(), WeightDecay: false),
    ];

    /// <summary>
    /// The independent reference is TorchSharp's own AdamW (the single-tensor torch.optim.AdamW), on a copy of
    /// the same U-Net fed the same batches and noise: two parameter groups, one decayed, a changing learning
    /// rate, DP's betas, 100 steps. With gradient clipping as well (libtorch's clip_grad_norm_ against ours) the
    /// two sum the norm in another order; rounding of the clip coefficient then grows through training to a few
    /// 1e-6, so that run gets 1e-5.
    /// </summary>
    [Theory]
    [InlineData(false, 1e-6)]
    [InlineData(true, 1e-5)]
    public void Flat_AdamW_matches_TorchSharps_AdamW_over_100_steps_of_a_unet(bool clip, double tolerance)
    {
        var (reference, loader) = TinyUnet(0);
        var (flat, _) = TinyUnet(1);
        using var r = reference;
        using var f = flat;
        f.Network.load_state_dict(r.Network.state_dict());
        const double lr = 3e-3, wd = 0.1;
        var refGroups = NanoGptGroups(r.Network);
        using var torchAdamW = optim.AdamW(refGroups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.Parameters,
            new TorchSharp.Modules.AdamW.Options { weight_decay = g.WeightDecay ? wd : 0 })), lr, 0.95, 0.999, 1e-8, wd);
        var groups = FlatParameterGroup.Create(f.Network, NanoGptGroups(f.Network));
        using var flatAdamW = new FlatAdamW(groups, lr, 0.95, 0.999, 1e-8, wd);
        using var gr = new Generator(5);
        using var gf = new Generator(5);
        for (int step = 0; step < 100; step++)
        {
            using var scope = torch.NewDisposeScope();
            using var batch = loader.Next();
            double stepLr = lr * (step < 10 ? (step + 1) / 10.0 : 1.0 - step / 200.0);
            foreach (var g in torchAdamW.ParamGroups) g.LearningRate = stepLr;
            torchAdamW.zero_grad();
            r.ComputeLoss(batch, gr).Loss.backward();
            if (clip) nn.utils.clip_grad_norm_(r.Network.parameters(), 0.5);
            torchAdamW.step();

            flatAdamW.LearningRate = stepLr;
            flatAdamW.ZeroGrad();
            f.ComputeLoss(batch, gf).Loss.backward();
            if (clip) flatAdamW.ClipGradNorm(0.5);
            flatAdamW.Step();
        }
        var expected = r.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        double worst = 0, moved = 0;
        using var initial = TinyUnet(0).Policy;
        var start = initial.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in f.Network.named_parameters())
        {
            worst = Math.Max(worst, (p - expected[name]).abs().max().item<float>());
            moved = Math.Max(moved, (p - start[name]).abs().max().item<float>());
        }
        Assert.True(moved > 0.05, $"the parameters hardly moved ({moved}): the comparison would show nothing");
        Assert.True(worst < tolerance, $"max |θ_flat − θ_torch| = {worst} after 100 steps");
        Assert.Equal(100, flatAdamW.StepCount);
        foreach (var g in groups) g.Dispose();
    }

    /// <summary>
    /// A default interface method is not virtual: the token policy's own groups (nanoGPT's: no decay on biases
    /// and norms) were never called through <see cref="IPolicy"/>. Through the interface and in the trainer they are.
    /// </summary>
    [Fact]
    public void The_token_policys_parameter_groups_reach_the_optimizer()
    {
        var data = TinyRuns.PushT(2);
        var config = TinyRuns.For("tokens", steps: 1);
        using var policy = PolicyRegistry.Create(config.Policy, PolicyNormalizers.From(data.Stats!, config.Policy), CPU);
        var groups = ((IPolicy)policy).ParameterGroups();
        Assert.Equal(2, groups.Count);
        var named = policy.Network.named_parameters().ToList();
        var vectors = groups.Single(g => !g.WeightDecay).Parameters.Select(p => named.Single(n => n.parameter.Handle == p.Handle).name).ToHashSet();
        // Worked out from the names alone: every bias and every LayerNorm weight is a vector; Linear and Embedding weights are not.
        foreach (var (name, p) in named)
        {
            bool isVector = name.EndsWith("bias") || name.Contains("ln") || name.Contains("norm");
            Assert.True(isVector == vectors.Contains(name), $"{name} ({string.Join("x", p.shape)}) is {(vectors.Contains(name) ? "" : "not ")}in the undecayed group");
        }
        using var trainer = new Trainer(config, data, TempDirs.New("groups"));
        Assert.Equal([true, false], trainer.OptimizerGroups.Select(g => g.WeightDecay));
        Assert.Equal(named.Sum(n => n.parameter.numel()), trainer.OptimizerGroups.Sum(g => g.Values));
    }

    /// <summary>One clipping of the same gradients: ours against libtorch's clip_grad_norm_ (per-tensor norms, then their norm).</summary>
    [Fact]
    public void Clipping_scales_gradients_as_clip_grad_norm_does()
    {
        var (a, loader) = TinyUnet(0);
        var (b, _) = TinyUnet(1);
        using var pa = a;
        using var pb = b;
        pb.Network.load_state_dict(pa.Network.state_dict());
        var groups = FlatParameterGroup.Create(pb.Network, NanoGptGroups(pb.Network));
        using var opt = new FlatAdamW(groups, 1e-3);
        using var batch = loader.Next();
        using var g1 = new Generator(2);
        using var g2 = new Generator(2);
        pa.ComputeLoss(batch, g1).Loss.backward();
        opt.ZeroGrad();
        pb.ComputeLoss(batch, g2).Loss.backward();
        double before = Math.Sqrt(pa.Network.parameters().Sum(p => p.grad!.square().sum().item<float>()));
        Assert.True(before > 0.1, $"gradient norm {before}: too small for the clip at 0.1 to act");
        nn.utils.clip_grad_norm_(pa.Network.parameters(), 0.1);
        opt.ClipGradNorm(0.1);
        var expected = pa.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, p) in pb.Network.named_parameters())
            Assert.True(torch.allclose(p.grad!, expected[name], rtol: 1e-5, atol: 1e-9), name);
        double after = Math.Sqrt(pb.Network.parameters().Sum(p => p.grad!.square().sum().item<float>()));
        Assert.Equal(0.1, after, 4);
        foreach (var g in groups) g.Dispose();
    }

    /// <summary>Checkpoints written before this optimizer hold TorchSharp's optimizer.bin: its moments come back by parameter name.</summary>
    [Fact]
    public void A_torchsharp_optimizer_state_is_read_by_parameter_name()
    {
        var (policy, loader) = TinyUnet(0);
        using var p = policy;
        using var adamw = optim.AdamW(p.Network.parameters(), 1e-3);
        using var g = new Generator(0);
        for (int i = 0; i < 3; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var batch = loader.Next();
            adamw.zero_grad();
            p.ComputeLoss(batch, g).Loss.backward();
            adamw.step();
        }
        string dir = TempDirs.New("legacy");
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "optimizer.bin");
            adamw.save_state_dict(file);
            var states = adamw.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().ToList();
            var names = p.Network.named_parameters().Select(n => n.name).ToList();
            var (byName, step) = LegacyOptimizerState.Read(p.Network, file);
            Assert.Equal(3, step);
            Assert.Equal(names.Count, byName.Count);
            for (int i = 0; i < names.Count; i++)
            {
                Assert.True(torch.equal(byName[names[i]].ExpAvg, states[i].exp_avg).all().item<bool>(), names[i]);
                Assert.True(torch.equal(byName[names[i]].ExpAvgSq, states[i].exp_avg_sq).all().item<bool>(), names[i]);
            }
            Assert.True(byName.Values.Any(m => m.ExpAvg.abs().max().item<float>() > 0), "all moments zero: nothing was compared");
        }
        finally { TempDirs.Delete(dir); }
    }

    /// <summary>With zero gradients AdamW's update is zero, so one step shows the weight decay alone: decayed groups shrink by 1 − lr·λ, the others stay.</summary>
    [Fact]
    public void Weight_decay_applies_only_to_groups_that_decay()
    {
        using var net = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4));
        var groups = FlatParameterGroup.Create(net, NanoGptGroups(net));
        using var opt = new FlatAdamW(groups, lr: 0.1, weightDecay: 0.5);
        var before = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.clone());
        opt.ZeroGrad();
        opt.Step();
        foreach (var (name, p) in net.named_parameters())
        {
            var expected = p.dim() >= 2 ? before[name] * 0.95 : before[name];
            Assert.True(torch.allclose(p, expected, rtol: 1e-6, atol: 1e-7), name);
        }
        foreach (var g in groups) g.Dispose();
    }

    /// <summary>
    /// The failure mode behind "Scalar toDouble" / "Unknown scalar type": a collection on another thread while a
    /// step runs in libtorch. Steps (optimizer, clipping, EMA) run while a thread allocates and forces collections
    /// and finalizers; they must neither crash nor differ from the same steps run undisturbed.
    /// </summary>
    [Fact]
    public void Optimizer_steps_survive_collections_forced_from_another_thread()
    {
        float[] Train(bool stress)
        {
            torch.manual_seed(0);
            using var net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2));
            using var averaged = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2));
            var groups = FlatParameterGroup.Create(net);
            using var opt = new FlatAdamW(groups, 1e-3, weightDecay: 1e-2);
            using var ema = new Ema(averaged, net, groups, new TrainConfig());
            using var g = new Generator(1);
            var x = torch.randn([256, 8], generator: g);
            var y = torch.randn([256, 2], generator: g);
            using var stop = new CancellationTokenSource();
            var collector = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    _ = new byte[64 * 1024];
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            });
            if (stress) collector.Start();
            try
            {
                for (int step = 0; step < 2000; step++)
                {
                    using var scope = torch.NewDisposeScope();
                    opt.LearningRate = 1e-3 * (1 + step % 7) / 7;
                    opt.ZeroGrad();
                    torch.nn.functional.mse_loss(net.forward(x), y).backward();
                    opt.ClipGradNorm(1.0);
                    opt.Step();
                    ema.Step();
                }
            }
            finally { stop.Cancel(); if (stress) collector.Join(); }
            var result = averaged.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
            foreach (var gr in groups) gr.Dispose();
            return result;
        }
        Assert.Equal(Train(stress: false), Train(stress: true));
    }
}
