using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Policies.Act;
using Mimicry.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Policies;

public class ActTests
{
    [Fact]
    public void Kl_of_a_known_gaussian_equals_its_closed_form()
    {
        // Row 0: μ = (1, 0), σ² = (1, 4): KL = ½(σ² + μ² − 1 − ln σ²) per dimension = ½·1 + ½(3 − ln 4) = 1.3068528.
        // Row 1: the prior itself, KL = 0. Mean over the batch: 0.6534264.
        var mu = torch.tensor(new float[] { 1, 0, 0, 0 }).reshape(2, 2);
        var logVar = torch.tensor(new float[] { 0, (float)Math.Log(4), 0, 0 }).reshape(2, 2);
        Assert.Equal(0.5 * (0.5 + 0.5 * (3 - Math.Log(4))), ActPolicy.KlToStandardNormal(mu, logVar).item<float>(), 5);
    }

    private static (ActPolicy Policy, Batch Batch) OneWindow(ActConfig config, int batch = 4)
    {
        var data = TinyRuns.PushT(2);
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        torch.manual_seed(0);
        var policy = new ActPolicy(config, normalizers);
        using var g = new Generator(1);
        var obs = torch.randn([batch, 1, 20], generator: g);
        var actions = torch.randn([batch, config.Horizon, 2], generator: g) * 0.5;
        var isPad = torch.zeros(batch, config.Horizon, ScalarType.Bool);
        isPad[0, (config.Horizon - 2)..] = torch.tensor(true); // the first window runs past its episode's end
        return (policy, new Batch(new() { [FeatureKeys.Keypoints] = obs, [FeatureKeys.Action] = actions }, new() { [FeatureKeys.Keypoints] = torch.zeros(batch, 1, ScalarType.Bool), [FeatureKeys.Action] = isPad }));
    }

    [Fact]
    public void Forward_flops_equal_a_hand_count_of_the_products()
    {
        // D 4, FF 8, chunk S 2, latent 1, robot 1, environment 1, action 1, one layer each, batch 1.
        // Acting: input projections z, robot, env 3 × 2·1·4 = 24. Encoder over 3 tokens: Q, K, V and output
        // projections 4 × 2·3·4·4 = 384, scores and weighted sum 2 × 2·3·3·4 = 144, feed-forward 2 × 2·3·4·8 = 384:
        // 912. Decoder, 2 queries: self-attention 4 × 2·2·16 = 256 + 2 × 2·2·2·4 = 64; cross-attention Q and
        // output 2 × 2·2·16 = 128, K and V over 3 memory tokens 2 × 2·3·16 = 192, products 2 × 2·2·3·4 = 96;
        // feed-forward 2 × 2·2·4·8 = 256: 992. Head 2·2·4·1 = 16. Total 1,944.
        var cfg = new ActConfig { DimModel = 4, NHeads = 2, DimFeedforward = 8, Horizon = 2, NActionSteps = 2, LatentDim = 1, NEncoderLayers = 1, NDecoderLayers = 1, NVaeEncoderLayers = 1 };
        Assert.Equal(1944, ActNetwork.ForwardFlops(cfg, 1, 1, 1, 1, training: false));
        // Training adds the CVAE encoder: robot and action projections 8 + 2·2·1·4 = 16; one layer over S + 2 = 4
        // tokens: projections 4 × 2·4·16 = 512, products 2 × 2·4·4·4 = 256, feed-forward 512; latent head 2·4·2 = 16.
        Assert.Equal(1944 + 8 + 16 + 1280 + 16, ActNetwork.ForwardFlops(cfg, 1, 1, 1, 1, training: true));
        Assert.Equal(3 * 1944, ActNetwork.ForwardFlops(cfg, 1, 1, 1, 3, training: false));
    }

    [Fact]
    public void The_decoder_queries_give_a_chunk_of_the_configured_length()
    {
        var config = new ActConfig { DimModel = 16, NHeads = 2, DimFeedforward = 32, NEncoderLayers = 1, NVaeEncoderLayers = 1, Horizon = 7, NActionSteps = 7, LatentDim = 3 };
        var (policy, _) = OneWindow(config);
        using var obs = torch.zeros(5, 1, 20);
        using var chunk = policy.PredictChunk(obs, null);
        Assert.Equal(new long[] { 5, 7, 2 }, chunk.shape);
    }

    [Fact]
    public void A_tiny_act_overfits_one_window_and_ignores_padded_actions()
    {
        var config = new ActConfig { DimModel = 32, NHeads = 4, DimFeedforward = 64, NEncoderLayers = 1, NVaeEncoderLayers = 1, Horizon = 8, NActionSteps = 8, LatentDim = 4, Dropout = 0, KlWeight = 1 };
        var (policy, batch) = OneWindow(config);
        using var opt = torch.optim.Adam(policy.Network.parameters(), lr: 3e-3);
        using var g = new Generator(2);
        double first = 0, l1 = 0;
        for (int step = 0; step < 400; step++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var output = policy.ComputeLoss(batch, g);
            output.Loss.backward();
            opt.step();
            l1 = output.Terms["l1"].item<float>();
            if (step == 0) first = l1;
        }
        Assert.True(l1 < 0.1 * first, $"L1 {first:F3} → {l1:F3}");
        // Padded actions do not count: changing them changes neither term.
        var before = policy.ComputeLoss(batch, new Generator(9)).Terms["l1"].item<float>();
        batch.Action[0, (config.Horizon - 2)..] = torch.tensor(100f);
        var after = policy.ComputeLoss(batch, new Generator(9)).Terms["l1"].item<float>();
        Assert.Equal(before, after, 5);
    }
}
