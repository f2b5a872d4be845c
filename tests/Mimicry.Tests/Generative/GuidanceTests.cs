using Mimicry.Evaluation;
using Mimicry.Generative;
using Mimicry.Nn;
using Mimicry.Policies;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Experiments.Guidance;
using Mimicry.Experiments.Multimodal;

namespace Mimicry.Tests.Generative;

public class GuidanceTests
{
    /// <summary>A U-Net with a guidance condition, its conditional and unconditional outputs computed one row set at a time.</summary>
    private static (ConditionalUnet1d Net, Tensor X, Tensor T, Tensor Obs, Tensor C) Setup()
    {
        torch.manual_seed(3);
        var net = new ConditionalUnet1d(2, 4, [8, 16], stepEmbedDim: 8, kernelSize: 3, groups: 4, guidanceCondition: (1, 4));
        net.eval();
        // The null embedding starts near zero; move it so that ∅ and c really differ.
        foreach (var (name, p) in net.named_parameters()) if (name.EndsWith("null_embedding")) using (torch.no_grad()) p.add_(1.0);
        using var g = new Generator(5);
        return (net, torch.randn([3, 4, 2], generator: g), torch.tensor(new long[] { 10, 50, 90 }), torch.randn([3, 4], generator: g), torch.tensor(new float[] { -1, 1, 1 }).reshape(3, 1));
    }

    [Fact]
    public void Scale_one_is_the_conditional_output_and_scale_zero_the_unconditional_one_exactly()
    {
        var (net, x, t, obs, c) = Setup();
        using var _ = torch.no_grad();
        ConditionedDenoiser f = (xx, tt, keep) => net.forward(xx, tt, obs.repeat(xx.shape[0] / 3, 1), c.repeat(xx.shape[0] / 3, 1), keep);
        var conditional = net.forward(x, t, obs, c, torch.ones(3, ScalarType.Bool));
        var unconditional = net.forward(x, t, obs, c, torch.zeros(3, ScalarType.Bool));
        Assert.True(conditional.sub(unconditional).abs().max().item<float>() > 1e-3f, "∅ and c should give different outputs");
        Assert.Equal(conditional.data<float>().ToArray(), ClassifierFreeGuidance.Guide(f, 1)(x, t).data<float>().ToArray());
        Assert.Equal(unconditional.data<float>().ToArray(), ClassifierFreeGuidance.Guide(f, 0)(x, t).data<float>().ToArray());
    }

    [Fact]
    public void Other_scales_combine_both_outputs_from_one_batched_pass()
    {
        var (net, x, t, obs, c) = Setup();
        using var _ = torch.no_grad();
        int calls = 0;
        long batch = 0;
        ConditionedDenoiser f = (xx, tt, keep) =>
        {
            calls++;
            batch = xx.shape[0];
            return net.forward(xx, tt, obs.repeat(xx.shape[0] / 3, 1), c.repeat(xx.shape[0] / 3, 1), keep);
        };
        var cond = net.forward(x, t, obs, c, torch.ones(3, ScalarType.Bool)).data<float>().ToArray();
        var uncond = net.forward(x, t, obs, c, torch.zeros(3, ScalarType.Bool)).data<float>().ToArray();
        var guided = ClassifierFreeGuidance.Guide(f, 3)(x, t).data<float>().ToArray();
        Assert.Equal(1, calls);
        Assert.Equal(6, batch); // 2B rows in one forward pass
        for (int i = 0; i < cond.Length; i++) Assert.Equal(uncond[i] + 3 * (cond[i] - uncond[i]), guided[i], 4);
    }

    [Fact]
    public void Outside_the_guidance_interval_a_pass_is_the_conditional_model_alone()
    {
        var (net, x, t, obs, c) = Setup();
        using var _ = torch.no_grad();
        var batches = new List<long>();
        ConditionedDenoiser f = (xx, tt, keep) =>
        {
            batches.Add(xx.shape[0]);
            return net.forward(xx, tt, obs.repeat(xx.shape[0] / 3, 1), c.repeat(xx.shape[0] / 3, 1), keep);
        };
        var cond = net.forward(x, t, obs, c, torch.ones(3, ScalarType.Bool)).data<float>().ToArray();
        var plain = ClassifierFreeGuidance.Guide(f, 3)(x, t).data<float>().ToArray();
        var outside = ClassifierFreeGuidance.Guide(f, 3, _ => false)(x, t).data<float>().ToArray();
        var inside = ClassifierFreeGuidance.Guide(f, 3, _ => true)(x, t).data<float>().ToArray();
        Assert.Equal(new long[] { 6, 3, 6 }, batches); // B rows outside the interval, 2B inside
        Assert.Equal(cond, outside);
        Assert.Equal(plain, inside);
        Assert.True(cond.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "guidance at s = 3 should move the output");
    }

    /// <summary>
    /// Through a policy: the interval [0, 1] guides every step (as no interval); an interval holding none of the
    /// sampler's noise levels (DDIM-10 trailing: 0.99, 0.89, …; Euler-10: 1, 0.9, …; none in [0.95, 0.96]) gives the
    /// conditional model's chunk (s = 1); [0.65, 1] guides the first steps only, so its chunk is neither.
    /// </summary>
    [Theory]
    [InlineData("diffusion")]
    [InlineData("flow")]
    public void A_guidance_interval_guides_the_sampler_steps_inside_it(string policy)
    {
        var data = Mimicry.Envs.Fork.ForkExpert.Demonstrations(4, 0);
        float[] Chunk(double scale, double[]? interval)
        {
            PolicyConfig config = policy == "diffusion"
                ? new Mimicry.Policies.Diffusion.DiffusionConfig
                {
                    ObservationKey = Mimicry.Data.FeatureKeys.State, DownDims = [8, 16], DiffusionStepEmbedDim = 8, Sampler = SamplerKind.Ddim, NumInferenceSteps = 10,
                    Condition = Mimicry.Envs.Fork.ForkExpert.SideKey, ConditionValue = [-1], GuidanceScale = scale, GuidanceInterval = interval,
                }
                : new Mimicry.Policies.Flow.FlowConfig
                {
                    ObservationKey = Mimicry.Data.FeatureKeys.State, DownDims = [8, 16], DiffusionStepEmbedDim = 8, NumInferenceSteps = 10,
                    Condition = Mimicry.Envs.Fork.ForkExpert.SideKey, ConditionValue = [-1], GuidanceScale = scale, GuidanceInterval = interval,
                };
            config.Validate();
            torch.manual_seed(11);
            using var p = PolicyRegistry.Create(config, PolicyNormalizers.From(data.Stats!, config));
            foreach (var (name, w) in p.Network.named_parameters()) if (name.EndsWith("null_embedding")) using (torch.no_grad()) w.add_(1.0);
            using var obs = torch.tensor(new float[] { 0.1f, -0.8f, 0.1f, -0.7f }).reshape(1, 2, 2);
            using var chunk = ((IChunkingPolicy)p).PredictChunk(obs, new Generator(4));
            return chunk.data<float>().ToArray();
        }
        double Diff(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
        var conditional = Chunk(1, null);
        var guided = Chunk(3, null);
        Assert.True(Diff(conditional, guided) > 1e-4, "guidance should change the chunk");
        Assert.Equal(guided, Chunk(3, [0, 1]));
        Assert.Equal(conditional, Chunk(3, [0.95, 0.96]));
        var early = Chunk(3, [0.65, 1]);
        Assert.True(Diff(early, conditional) > 1e-5 && Diff(early, guided) > 1e-5, $"[0.65, 1]: {Diff(early, conditional)} from s = 1, {Diff(early, guided)} from full guidance");
    }

    /// <summary>Budgets: flow steers at 400 steps of a [16, 32, 64] U-Net; diffusion (DDIM-10) there still
    /// collides with the obstacle in most rollouts (adherence 0.1 measured), so it gets [32, 64, 128] and 600.</summary>
    [Theory]
    [InlineData("diffusion", 600, new[] { 32, 64, 128 })]
    [InlineData("flow", 400, new[] { 16, 32, 64 })]
    public void A_guided_fork_policy_passes_on_the_requested_side(string policy, int steps, int[] downDims)
    {
        string dir = TempDirs.New("cfg");
        try
        {
            var r = GuidanceExperiment.Run(new GuidanceOptions
            {
                Policy = policy, Steps = steps, Settings = [$"policy.down_dims=[{string.Join(",", downDims)}]"], Scales = [0, 3], EvalEpisodes = 20, ForkSamples = 40, LatencyCalls = 2,
            }, dir);
            foreach (var cell in r.Cells.Where(c => c.Scale == 3)) Assert.True(cell.Adherence >= 0.9, $"{policy}, s = 3, side {cell.Side}: adherence {cell.Adherence}; all: {string.Join("; ", r.Cells)}");
            // s = 0 ignores the condition: asking left or right gives the same rollouts.
            var s0 = r.Cells.Where(c => c.Scale == 0).ToList();
            Assert.Equal(s0[0].PassedLeft, s0[1].PassedLeft);
            Assert.Equal(s0[0].PassedRight, s0[1].PassedRight);
            Assert.True(File.Exists(Path.Combine(dir, "adherence.png")));
        }
        finally { TempDirs.Delete(dir); }
    }
}
