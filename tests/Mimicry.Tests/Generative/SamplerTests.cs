using Mimicry.Generative;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Generative;

/// <summary>Reference values computed independently with numpy (float64) from the formulas of
/// Nichol and Dhariwal (2021) and diffusers' DDPM/DDIM schedulers.</summary>
public class SamplerTests
{
    /// <summary>Worked from diffusers' set_timesteps: leading = arange(0, n)·(T // n) reversed; trailing =
    /// np.round(np.arange(T, 0, -T / n)) - 1, numpy rounding halves to even (87.5 → 88, 62.5 → 62, 37.5 → 38, 12.5 → 12).</summary>
    [Theory]
    [InlineData(TimestepSpacing.Leading, 10, new[] { 90, 80, 70, 60, 50, 40, 30, 20, 10, 0 })]
    [InlineData(TimestepSpacing.Leading, 8, new[] { 84, 72, 60, 48, 36, 24, 12, 0 })]
    [InlineData(TimestepSpacing.Leading, 1, new[] { 0 })]
    [InlineData(TimestepSpacing.Trailing, 4, new[] { 99, 74, 49, 24 })]
    [InlineData(TimestepSpacing.Trailing, 8, new[] { 99, 87, 74, 61, 49, 37, 24, 11 })]
    [InlineData(TimestepSpacing.Trailing, 1, new[] { 99 })]
    public void Timestep_spacing_matches_diffusers(TimestepSpacing spacing, int steps, int[] expected)
    {
        var ddim = new DdimSampler(new NoiseSchedule(100), steps, spacing: spacing);
        Assert.Equal(expected, ddim.Timesteps);
        // Each step goes to the next visited one, the last to -1 (the clean sample).
        Assert.Equal([.. expected.Skip(1), -1], expected.Select(ddim.Previous));
    }

    [Theory]
    [InlineData(0, 0.0006312815983416931, 0.9993687184016583)]
    [InlineData(1, 0.0011169370373218523, 0.9982524864661346)]
    [InlineData(10, 0.00553036971493337, 0.9667167048805273)]
    [InlineData(50, 0.03154633936072582, 0.4782646329454781)]
    [InlineData(99, 0.999, 2.4285722793500615e-07)]
    public void Squared_cosine_schedule_matches_reference(int t, double beta, double alphaBar)
    {
        var s = new NoiseSchedule(100, BetaSchedule.SquaredCosCapV2);
        Assert.Equal(beta, s.Betas[t], 14);
        Assert.Equal(alphaBar, s.AlphasCumprod[t], 14);
    }

    private static readonly float[] X = [0.3f, -0.7f, 1.2f, 0.05f];
    private static readonly float[] Eps = [0.1f, 0.2f, -0.3f, 0.4f];

    /// <summary>
    /// One DDIM step t = 50 → 40 (10 of 100 steps, eta 0, squared-cosine betas, clip ±1) worked out in float64
    /// from diffusers v0.11.1 DDIMScheduler.step (scheduling_ddim.py): x0 = (x - sqrt(1-ᾱ_t) ε) / sqrt(ᾱ_t),
    /// clipped; x_prev = sqrt(ᾱ_prev) x0 + sqrt(1-ᾱ_prev) ε. Components 2 and 3 have x0 clipped.
    /// </summary>
    [Fact]
    public void One_DDIM_update_matches_diffusers_default()
    {
        var s = new NoiseSchedule();
        var ddim = new DdimSampler(s, inferenceSteps: 10, eta: 0);
        Assert.Equal(new[] { 90, 80, 70, 60, 50, 40, 30, 20, 10, 0 }, ddim.Timesteps);
        Assert.Equal(40, ddim.Previous(50));
        using var prev = ddim.Step(torch.tensor(Eps), 50, torch.tensor(X), generator: null);
        // use_clipped_model_output=False (DP's call): ε stays the network's output.
        double[] expected = [0.32255678411556415, -0.6740676272263417, 0.6134471425468873, -0.032284179397700535];
        var got = prev.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void One_DDIM_update_with_clipped_model_output_matches_diffusers()
    {
        var ddim = new DdimSampler(new NoiseSchedule(), inferenceSteps: 10, eta: 0, useClippedModelOutput: true);
        using var prev = ddim.Step(torch.tensor(Eps), 50, torch.tensor(X), generator: null);
        // use_clipped_model_output=True: ε = (x - sqrt(ᾱ_t) clip(x0)) / sqrt(1-ᾱ_t).
        double[] expected = [0.3225567841155641, -0.8023861911219847, 1.222014020898861, -0.032284179397700535];
        var got = prev.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void One_DDPM_posterior_mean_matches_reference()
    {
        var ddpm = new DdpmSampler(new NoiseSchedule(), inferenceSteps: 100);
        using var mean = ddpm.Step(torch.tensor(Eps), 50, torch.tensor(X), generator: null);
        double[] expected = [0.3004089640203256, -0.71079136815666, 1.1881490219188555, 0.033055940473309696];
        var got = mean.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void DDIM_with_every_step_and_eta_one_follows_the_DDPM_mean_path()
    {
        // Song et al. 2021 §4.1: eta = 1 recovers DDPM. With noise switched off, both samplers walk the
        // posterior-mean path; with a fixed stand-in model they must agree at every one of the 100 steps.
        var s = new NoiseSchedule();
        var ddpm = new DdpmSampler(s, 100);
        var ddim = new DdimSampler(s, 100, eta: 1.0, useClippedModelOutput: true); // the variant whose eta = 1 is DDPM
        Assert.Equal(ddpm.Timesteps, ddim.Timesteps);
        torch.manual_seed(3);
        var start = torch.randn(8, 16, 2);
        Tensor Model(Tensor x, int t) => 0.3 * x + 0.01 * t; // any deterministic function of (x, t)
        var a = start.clone();
        var b = start.clone();
        foreach (int t in ddpm.Timesteps)
        {
            a = ddpm.Step(Model(a, t), t, a, generator: null);
            b = ddim.Step(Model(b, t), t, b, generator: null);
            Assert.True((a - b).abs().max().item<float>() < 1e-4, $"diverged at t={t}");
        }
    }

    [Fact]
    public void Add_noise_follows_the_forward_process()
    {
        var s = new NoiseSchedule();
        var x0 = torch.ones(2, 3);
        var noise = torch.full(2, 3, 2f);
        var t = torch.tensor(new long[] { 0, 99 });
        var xt = s.AddNoise(x0, noise, t);
        Assert.Equal(Math.Sqrt(s.AlphasCumprod[0]) + 2 * Math.Sqrt(1 - s.AlphasCumprod[0]), xt[0, 0].item<float>(), 5);
        Assert.Equal(Math.Sqrt(s.AlphasCumprod[99]) + 2 * Math.Sqrt(1 - s.AlphasCumprod[99]), xt[1, 2].item<float>(), 5);
    }

    [Fact]
    public void Sampling_with_noise_is_seeded()
    {
        var ddpm = new DdpmSampler(new NoiseSchedule(), 100);
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        var x = torch.zeros(3, 4);
        var a = ddpm.Step(torch.zeros(3, 4), 50, x, g1);
        var b = ddpm.Step(torch.zeros(3, 4), 50, x, g2);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(ddpm.Step(torch.zeros(3, 4), 50, x, null)).all().item<bool>());
    }
}
