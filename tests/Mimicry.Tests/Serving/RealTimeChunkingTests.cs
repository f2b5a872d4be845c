using Mimicry.Generative;
using Mimicry.Policies;
using Mimicry.Serving.Client;
using Mimicry.Serving.Server;
using Mimicry.Serving.Wire;
using TorchSharp;

namespace Mimicry.Tests.Serving;

public class RealTimeChunkingTests(ServingFixture f) : IClassFixture<ServingFixture>
{
    /// <summary>LeRobot's LINEAR schedule for d = 2, e = 6 over 10 actions: ones, then torch.linspace(1, 0, 6)[1:-1], then zeros.</summary>
    [Fact]
    public void Prefix_weights_follow_lerobots_linear_schedule()
    {
        Assert.Equal([1f, 1f, 0.8f, 0.6f, 0.4f, 0.2f, 0f, 0f, 0f, 0f], RealTimeChunking.PrefixWeights(2, 6, 10).Select(w => MathF.Round(w, 6)));
        Assert.Equal([1f, 1f, 1f, 0f], RealTimeChunking.PrefixWeights(5, 3, 4)); // d is capped at e (start = min(start, end))
    }

    /// <summary>w(t) = min(c·inv_r2, 10), τ = 1 − t, c = (1 − τ)/τ, inv_r2 = ((1 − τ)² + τ²)/(1 − τ)².</summary>
    [Theory]
    [InlineData(0.5, 2.0)]             // c = 1, inv_r2 = 0.5/0.25
    [InlineData(0.75, 3.0 * 0.625 / 0.5625)] // c = 3, inv_r2 = (0.5625 + 0.0625)/0.5625
    [InlineData(0.95, 10.0)]           // c = 19: clipped
    [InlineData(1.0, 10.0)]            // pure noise: τ = 0, c = inf
    public void The_guidance_weight_is_lerobots(double t, double expected) => Assert.Equal(expected, RealTimeChunking.GuidanceWeight(t), 9);

    /// <summary>Guided toward a prefix far from what the policy would do, the frozen actions of the new chunk land near it.</summary>
    [Fact]
    public void A_guided_chunk_keeps_the_frozen_prefix()
    {
        using var policy = (IPrefixGuidedPolicy)ServingFixture.Load(f.Flow);
        var rng = new Random(4);
        var frame = Enumerable.Range(0, 20).Select(_ => (float)(150 + 200 * rng.NextDouble())).ToArray();
        var window = new Dictionary<string, torch.Tensor> { ["observation.keypoints"] = torch.tensor(frame.Concat(frame).ToArray()).reshape(1, 2, 20) };
        using var g1 = new torch.Generator(5);
        using var free = policy.PredictChunk(window, g1); // (1, 15, 2)
        using var prefix = free[.., ..6] * 0.5f + 128f;    // halfway to the table's centre (inside the action range, no clipping)
        using var weights = torch.tensor(RealTimeChunking.PrefixWeights(3, 6, 6)).reshape(1, 6);
        using var g2 = new torch.Generator(5);
        using var guided = policy.PredictChunk(window, prefix, weights, g2);
        double before = (free[0, ..3] - prefix[0, ..3]).abs().max().item<float>();
        double after = (guided[0, ..3] - prefix[0, ..3]).abs().max().item<float>();
        Assert.True(after < 0.25 * before, $"frozen actions {after:F1} px from the prefix, unguided {before:F1}");
        // Past the prefix (weight 0) nothing pulls: those actions move less than the frozen ones were pulled.
        double pulled = (guided[0, ..3] - free[0, ..3]).abs().max().item<float>();
        double tail = (guided[0, 10..] - free[0, 10..]).abs().max().item<float>();
        Assert.True(tail < pulled, $"free actions moved {tail:F1} px, frozen ones {pulled:F1} px");
    }

    [Fact]
    public async Task A_prefix_for_a_policy_that_cannot_be_guided_is_refused_by_name()
    {
        await using var local = await LocalServer.Start(f.Diffusion, new ServeOptions(Port: 0));
        var server = local.Server;
        await using var client = await PolicyClient.ConnectAsync(server.Address);
        var request = new Dictionary<string, object?>
        {
            ["observation.keypoints"] = NdArray.Float32(new float[20], 20),
            ["rtc_prefix"] = NdArray.Float32(new float[8], 4, 2),
        };
        var e = await Assert.ThrowsAsync<PolicyServerException>(() => client.CallAsync(request));
        Assert.Contains("rtc_prefix", e.Message);
    }

    /// <summary>Through the server with --rtc, rate 0: the client's queued actions go out as the prefix and episodes still run.</summary>
    [Fact]
    public async Task A_served_flow_policy_runs_episodes_with_real_time_chunking()
    {
        await using var local = await LocalServer.Start(f.Flow, new ServeOptions(Port: 0));
        var server = local.Server;
        var plain = await ServedEvaluation.RunAsync(server.Address, new ClientOptions("pusht", Episodes: 2, MaxSteps: 48, ExecuteSteps: 4));
        var rtc = await ServedEvaluation.RunAsync(server.Address, new ClientOptions("pusht", Episodes: 2, MaxSteps: 48, ExecuteSteps: 4, Rtc: true));
        Assert.All(rtc.PerEpisode, e => Assert.Equal(12, e.Requests)); // 48 steps, a chunk every 4
        Assert.True(rtc.BoundaryJumpMean < plain.BoundaryJumpMean, $"jump at boundaries with RTC {rtc.BoundaryJumpMean:F2}, without {plain.BoundaryJumpMean:F2}");
    }
}
