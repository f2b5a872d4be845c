using Mimicry.Generative;
using Mimicry.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Generative;

public class FlowMatchingTests
{
    [Fact]
    public void Corruption_follows_the_openpi_convention()
    {
        using var g = new Generator(4);
        var a = torch.tensor(new float[] { 0.5f, -0.25f, 1f, 0f }).reshape(2, 2, 1);
        var c = new FlowMatchingObjective(FlowTimeSampling.Uniform).Corrupt(a, g);
        // Redraw ε and t with the same seed, in the same order, and build x_t = t ε + (1 - t) a and u = ε - a by hand.
        using var g2 = new Generator(4);
        var eps = torch.randn([2, 2, 1], generator: g2).data<float>().ToArray();
        var t = torch.rand([2], generator: g2).data<float>().ToArray();
        var av = a.data<float>().ToArray();
        var x = c.Input.data<float>().ToArray();
        var u = c.Target.data<float>().ToArray();
        for (int i = 0; i < 4; i++)
        {
            float ti = t[i / 2];
            Assert.Equal(ti * eps[i] + (1 - ti) * av[i], x[i], 6);
            Assert.Equal(eps[i] - av[i], u[i], 6);
        }
        Assert.Equal(t, c.Time.data<float>().ToArray());
    }

    [Fact]
    public void Beta_times_lie_in_the_support_with_the_published_mean()
    {
        using var g = new Generator(0);
        var t = FlowMatchingObjective.SampleTime(200_000, FlowTimeSampling.Beta, g, CPU);
        Assert.True(t.min().item<float>() >= 0.001f);
        Assert.True(t.max().item<float>() <= 1.0f);
        // E[Beta(1.5, 1)] = 1.5 / 2.5 = 0.6, so E[t] = 0.6·0.999 + 0.001 = 0.6004 (openpi); std of the mean ≈ 0.0006.
        Assert.Equal(0.6004, t.mean().item<float>(), 2);
        // P(t < 0.5) = ((0.5 - 0.001) / 0.999)^1.5 = 0.3530
        Assert.Equal(0.3530, t.lt(0.5).to_type(ScalarType.Float32).mean().item<float>(), 2);
    }

    [Theory]
    [InlineData(OdeSolver.Euler, 10)]
    [InlineData(OdeSolver.Euler, 1)]
    [InlineData(OdeSolver.Heun, 4)]
    public void Integrating_the_exact_velocity_returns_the_data(OdeSolver solver, int steps)
    {
        // With the oracle v = ε - a (constant along the straight path), any number of steps lands on a.
        var a = torch.tensor(new float[] { 0.3f, -0.6f, 0.9f }).reshape(1, 3, 1);
        using var g = new Generator(1);
        var eps = torch.randn([1, 3, 1], generator: g);
        var sampler = new FlowSampling(steps, solver, clip: false);
        int calls = 0;
        var x = sampler.Integrate((_, t) => { calls++; Assert.InRange(t[0].item<float>(), 0.0f, 1.0f); return eps - a; }, eps.clone());
        Assert.True((x - a).abs().max().item<float>() < 1e-5);
        Assert.Equal(sampler.Evaluations, calls);
    }

    [Fact]
    public void A_small_flow_model_recovers_both_modes_in_their_proportions()
    {
        // 1-D target: 30 % at N(-1, 0.1²), 70 % at N(+1, 0.1²). A tiny MLP v(x, t) trained by flow matching,
        // sampled with 50 Euler steps, must put ~30 % / ~70 % of its samples near each mode.
        torch.manual_seed(0);
        using var g = new Generator(0);
        var net = new Mlp(2, 1, [64, 64]);
        var objective = new FlowMatchingObjective(FlowTimeSampling.Uniform);
        using var opt = optim.Adam(net.parameters(), 3e-3);
        Tensor Data(long n)
        {
            var side = torch.rand([n], generator: g).lt(0.3).to_type(ScalarType.Float32) * -2 + 1; // -1 w.p. 0.3
            return (side + 0.1 * torch.randn([n], generator: g)).reshape(n, 1, 1);
        }
        Tensor V(Tensor x, Tensor t) => net.forward(torch.cat([x.reshape(-1, 1), t.reshape(-1, 1)], 1)).reshape(x.shape);
        for (int i = 0; i < 1500; i++)
        {
            using var scope = torch.NewDisposeScope();
            var c = objective.Corrupt(Data(256), g);
            var loss = nn.functional.mse_loss(V(c.Input, c.Time), c.Target);
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        using var noGrad = torch.no_grad();
        var samples = new FlowSampling(50, clip: false).Sample(V, [4000, 1, 1], CPU, g).flatten().data<float>().ToArray();
        double left = samples.Count(s => s < -0.5) / 4000.0, right = samples.Count(s => s > 0.5) / 4000.0;
        Assert.InRange(left, 0.25, 0.35);
        Assert.InRange(right, 0.65, 0.75);
        Assert.True(left + right > 0.95, $"{1 - left - right:P1} of samples between the modes");
    }
}
