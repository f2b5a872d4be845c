using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Policies;
using Mimicry.Policies.Tokens;
using Mimicry.Tests.Training;
using Mimicry.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Policies;

public class ActionTokensTests
{
    private static ActionTokensPolicy Policy(ActionTokensConfig config, int episodes = 4)
    {
        var data = TinyRuns.PushT(episodes);
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        torch.manual_seed(0);
        var policy = new ActionTokensPolicy(config, normalizers);
        policy.Fit(data, Enumerable.Range(0, data.Episodes).ToList());
        return policy;
    }

    /// <summary>300 Adam steps on one batch of windows (B, To, 20) and chunks (B, L, 2); the first and last cross-entropy.</summary>
    private static (double First, double Last) Overfit(ActionTokensPolicy policy, Tensor obs, Tensor actions, Generator g)
    {
        long b = obs.shape[0], l = actions.shape[1];
        var batch = new Batch(new() { [FeatureKeys.Keypoints] = obs, [FeatureKeys.Action] = actions },
            new() { [FeatureKeys.Keypoints] = torch.zeros(b, obs.shape[1], ScalarType.Bool), [FeatureKeys.Action] = torch.zeros(b, l, ScalarType.Bool) });
        using var opt = torch.optim.Adam(policy.Network.parameters(), lr: 3e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = policy.ComputeLoss(batch, g).Loss;
            loss.backward();
            opt.step();
            last = loss.item<float>();
            if (step == 0) first = last;
        }
        return (first, last);
    }

    /// <summary>Greedy decoding gives, row by row, the uniform bins of <paramref name="tokenSpace"/> (B, L, 2) values in [−1, 1].</summary>
    private static void AssertDecodes(ActionTokensPolicy policy, Tensor obs, Tensor tokenSpace, int bins)
    {
        int b = (int)tokenSpace.shape[0], l = (int)tokenSpace.shape[1];
        var tokenizer = new UniformBins(bins);
        var flat = tokenSpace.data<float>().ToArray();
        var decoded = policy.DecodeTokens(obs, null);
        for (int i = 0; i < b; i++)
            Assert.Equal(tokenizer.Encode(flat.AsSpan(i * l * 2, l * 2), l, 2).Select(t => (long)t), decoded[i]);
    }

    /// <summary>The KV-cached decoder picks, at every step, the token a full causal re-run over the sequence so far picks.</summary>
    [Theory]
    [InlineData(TokenizerKind.Bins)]
    [InlineData(TokenizerKind.Fast)]
    public void The_kv_cached_decoder_gives_the_tokens_of_a_full_rerun(TokenizerKind kind)
    {
        var config = new ActionTokensConfig { Tokenizer = kind, EmbedDim = 32, NLayer = 2, NHead = 4, Bins = 16, FastVocab = 48, FastFitChunks = 300, Dropout = 0, Horizon = 6, NObsSteps = 2, NActionSteps = 4 };
        using var policy = Policy(config);
        var net = (ActionTokenTransformer)policy.Network;
        net.eval();
        using var g = new Generator(3);
        var obs = torch.randn([3, 2, 20], generator: g);
        var cached = policy.DecodeTokens(obs, null); // greedy
        for (int row = 0; row < 3; row++)
        {
            var seq = cached[row];
            bool ended = kind == TokenizerKind.Fast && seq.Length < policy.ChunkTokens; // FAST stopped at an end token
            var fed = new List<long> { net.Bos };
            for (int k = 0; k <= seq.Length; k++)
            {
                if (k == seq.Length && !ended) break;
                using var scope = torch.NewDisposeScope();
                var logits = net.forward(obs[row..(row + 1)], torch.tensor(fed.ToArray()).unsqueeze(0))[0, -1]; // (V + 2)
                logits[net.Bos] = torch.tensor(float.NegativeInfinity);
                if (kind != TokenizerKind.Fast) logits[net.Eos] = torch.tensor(float.NegativeInfinity);
                else if (policy.Tokenizer.VocabSize < net.Vocab) logits[TensorIndex.Slice(policy.Tokenizer.VocabSize, net.Vocab)] = torch.tensor(float.NegativeInfinity);
                long full = logits.argmax().item<long>();
                Assert.Equal(k < seq.Length ? seq[k] : net.Eos, full);
                fed.Add(full);
            }
        }
    }

    [Fact]
    public void Nucleus_sampling_never_draws_outside_the_nucleus()
    {
        // probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.7 keeps {0, 1} (0.5 < 0.7, then 0.8 ≥ 0.7), never 2 or 3.
        var logits = torch.tensor(new[] { 0.5f, 0.3f, 0.15f, 0.05f }).log().unsqueeze(0).expand(4000, 4);
        using var g = new Generator(5);
        var draws = TokenSampling.Next(logits, 1.0, 0.7, g).data<long>().ToArray();
        Assert.All(draws, d => Assert.True(d <= 1));
        double share0 = draws.Count(d => d == 0) / 4000.0;
        Assert.InRange(share0, 0.625 - 0.03, 0.625 + 0.03); // renormalized: 0.5 / 0.8
        Assert.Equal(new long[] { 0 }, TokenSampling.Next(logits[..1], 0, 1, null).data<long>().ToArray()); // greedy
    }

    /// <summary>Trained on one window, the policy decodes that window's tokens exactly (greedy), and its chunk is the tokens' values.</summary>
    [Fact]
    public void A_tiny_token_policy_overfits_one_window()
    {
        var (policy, obs, actions, first, last) = OverfitRandomWindows();
        using var _ = policy;
        Assert.True(last < 0.02 && first > 3, $"cross-entropy {first:F3} → {last:F4}");
        AssertDecodes(policy, obs, actions, 32);
    }

    /// <summary>A 32-bin policy (chunk 5) overfit on 4 random windows (B, 2, 20) → (B, 5, 2), and its first and last cross-entropy.</summary>
    private static (ActionTokensPolicy Policy, Tensor Obs, Tensor Actions, double First, double Last) OverfitRandomWindows()
    {
        var config = new ActionTokensConfig { Tokenizer = TokenizerKind.Bins, Bins = 32, EmbedDim = 32, NLayer = 1, NHead = 2, Dropout = 0, Horizon = 6, NObsSteps = 2, NActionSteps = 4 };
        var policy = Policy(config);
        using var g = new Generator(1);
        var obs = torch.rand([4, 2, 20], generator: g) * 2 - 1;
        var actions = torch.rand([4, config.ChunkLength, 2], generator: g) * 2 - 1;
        var (first, last) = Overfit(policy, obs, actions, g);
        return (policy, obs, actions, first, last);
    }

    /// <summary>
    /// train.best_on=decoded_l1 measures the actions the policy decodes: trained on one window until it decodes its bins exactly,
    /// the error is the distance from each true value to its bin's centre, worked here from the bin formula (bin k of K over
    /// [−1, 1], centre −1 + (2k + 1)/K), over the rows that are not padding: changing a padded row's target changes nothing.
    /// </summary>
    [Fact]
    public void Decoded_error_is_the_distance_to_the_decoded_bin_centres_over_rows_that_are_not_padding()
    {
        var (policy, obs, actions, _, _) = OverfitRandomWindows();
        using var __ = policy;
        using var g = new Generator(2);
        int b = 4, l = policy.ChunkLength;
        AssertDecodes(policy, obs, actions, 32);
        var a = actions.data<float>().ToArray();
        double expected = 0;
        int counted = 0;
        for (int j = 0; j < a.Length; j++)
        {
            if (j / 2 / l == 0 && j / 2 % l >= l - 2) continue; // window 0's last two rows are padding below
            int k = Math.Min((int)Math.Floor((a[j] + 1) / 2 * 32), 31);
            expected += Math.Abs(-1 + (2.0 * k + 1) / 32 - a[j]);
            counted++;
        }
        expected /= counted;
        var pad = torch.zeros(b, l, ScalarType.Bool);
        pad[0, (l - 2)..] = torch.tensor(true);
        var shifted = actions.clone();
        shifted[0, (l - 2)..] += 0.5f; // a padded row's target: ignored
        policy.Network.eval();
        using var batch = new Batch(new() { [FeatureKeys.Keypoints] = obs, [FeatureKeys.Action] = shifted },
            new() { [FeatureKeys.Keypoints] = torch.zeros(b, 2, ScalarType.Bool), [FeatureKeys.Action] = pad });
        Assert.Equal([ActionTokensPolicy.DecodedL1], policy.ValidationMetricNames);
        double measured = policy.ValidationMetrics(batch, g)[ActionTokensPolicy.DecodedL1];
        Assert.InRange(measured, expected - 1e-5, expected + 1e-5);
        Assert.InRange(expected, 0.005, 1.0 / 32); // at most half a bin, and not zero: the check can fail
    }

    /// <summary>The fitted quantile edges and FAST merges go to fitted.json with the checkpoint and come back unchanged.</summary>
    [Fact]
    public void A_fitted_tokenizer_survives_its_json()
    {
        foreach (var kind in new[] { TokenizerKind.Quantile, TokenizerKind.Fast })
        {
            var config = new ActionTokensConfig { Tokenizer = kind, EmbedDim = 16, NLayer = 1, NHead = 2, Bins = 16, FastVocab = 256, FastFitChunks = 300 };
            using var a = Policy(config);
            using var b = new ActionTokensPolicy(config, a.Normalizers);
            Assert.Throws<InvalidOperationException>(() => b.Tokenizer);
            b.LoadFitted(a.SaveFitted(), "test");
            var chunk = Enumerable.Range(0, config.ChunkLength * 2).Select(i => (float)Math.Sin(i * 0.3)).ToArray();
            Assert.Equal(a.Tokenizer.Encode(chunk, config.ChunkLength, 2), b.Tokenizer.Encode(chunk, config.ChunkLength, 2));
            var other = config with { Tokenizer = kind == TokenizerKind.Fast ? TokenizerKind.Quantile : TokenizerKind.Fast };
            using var c = new ActionTokensPolicy(other, a.Normalizers);
            Assert.Throws<InvalidDataException>(() => c.LoadFitted(a.SaveFitted(), "fitted.json"));
        }
    }

    /// <summary>HL-Gauss soft targets, worked by hand: σ 1, target bin 0 of 3 (2 more classes, BOS and EOS, get no mass): weights
    /// 1, e^−1/2, e^−2 normalized = 0.57410, 0.34821, 0.07770; logits (1, 2, 3, 0, 0) give log-probabilities k − ln(e + e² + e³ + 2),
    /// so the loss is 1.96815. At a tiny σ it is the one-hot cross-entropy.</summary>
    [Fact]
    public void Gaussian_soft_targets_give_the_hand_worked_cross_entropy()
    {
        var logits = torch.tensor(new[] { 1f, 2f, 3f, 0f, 0f }).view(1, 1, 5);
        var target = torch.tensor(new long[] { 0 }).view(1, 1);
        Assert.InRange(GaussianTargets.CrossEntropy(logits, target, 3, 1.0).item<float>(), 1.968147 - 2e-5, 1.968147 + 2e-5);
        var oneHot = nn.functional.cross_entropy(logits.view(1, 5), target.view(1)).item<float>(); // ln(32.193) − 1 = 2.47174
        Assert.InRange(oneHot, 2.471741 - 2e-5, 2.471741 + 2e-5);
        Assert.InRange(GaussianTargets.CrossEntropy(logits, target, 3, 0.05).item<float>(), oneHot - 2e-5, oneHot + 2e-5);
    }

    /// <summary>
    /// With policy.action_reference the chunk is tokenized as a − o[c] (the newest observation's agent position): trained on
    /// windows whose relative actions are known, the policy decodes the bins of those relative values and acts p + (bin centre),
    /// within half a bin of the true absolute actions.
    /// </summary>
    [Fact]
    public void Relative_actions_are_tokenized_against_the_newest_observation_and_decoded_back()
    {
        var config = new ActionTokensConfig { Tokenizer = TokenizerKind.Bins, Bins = 32, ActionReference = [18, 19], EmbedDim = 32, NLayer = 1, NHead = 2, Dropout = 0, Horizon = 6, NObsSteps = 2, NActionSteps = 4 };
        using var policy = Policy(config);
        var range = policy.RelativeActions!;
        Assert.All(range.Half, h => Assert.True(h > 0));
        int b = 4, l = config.ChunkLength;
        using var g = new Generator(1);
        var rawObs = policy.Normalizers[FeatureKeys.Keypoints].Unnormalize(torch.rand([b, 2, 20], generator: g) * 2 - 1); // (B, To, 20) pixels
        var u = torch.rand([b, l, 2], generator: g) * 1.8 - 0.9;                       // relative actions in token space
        var p = rawObs[.., 1, 18..20].unsqueeze(1);                                   // (B, 1, 2) newest agent position
        var rawActions = p + (u + 1) * torch.tensor(range.Half).to(ScalarType.Float32) + torch.tensor(range.Min).to(ScalarType.Float32);
        var obs = policy.Normalizers[FeatureKeys.Keypoints].Normalize(rawObs);
        var actions = policy.Normalizers[FeatureKeys.Action].Normalize(rawActions);
        var (_, last) = Overfit(policy, obs, actions, g);
        Assert.True(last < 0.02, $"cross-entropy {last:F4} after 300 steps");
        AssertDecodes(policy, obs, u, 32); // the bins of the relative values, not of the absolute ones
        var acted = policy.PredictChunk(rawObs, null).data<float>().ToArray();       // (B, L, 2), raw pixels
        var truth = rawActions.data<float>().ToArray();
        for (int j = 0; j < acted.Length; j++)
            Assert.True(Math.Abs(acted[j] - truth[j]) <= range.Half[j % 2] / 32 + 1e-3, $"value {j}: acted {acted[j]:F3}, true {truth[j]:F3}, half a bin {range.Half[j % 2] / 32:F3}");
    }

    /// <summary>A checkpoint's relative range must match the config: absolute into relative and back are refused.</summary>
    [Fact]
    public void A_relative_range_is_checked_on_load()
    {
        var relative = new ActionTokensConfig { Tokenizer = TokenizerKind.Bins, Bins = 16, ActionReference = [18, 19], EmbedDim = 16, NLayer = 1, NHead = 2 };
        var absolute = relative with { ActionReference = [] };
        using var a = Policy(relative);
        using var b = new ActionTokensPolicy(relative, a.Normalizers);
        b.LoadFitted(a.SaveFitted(), "fitted.json");
        Assert.Equal(a.RelativeActions!.Min, b.RelativeActions!.Min);
        using var c = new ActionTokensPolicy(absolute, a.Normalizers);
        Assert.Contains("relative range", Assert.Throws<InvalidDataException>(() => c.LoadFitted(a.SaveFitted(), "fitted.json")).Message);
        using var d = Policy(absolute);
        Assert.Throws<InvalidDataException>(() => b.LoadFitted(d.SaveFitted(), "fitted.json"));
        Assert.Throws<ArgumentException>(() => new ActionTokensPolicy(relative with { ActionReference = [18] }, a.Normalizers));
        Assert.Throws<ArgumentException>(() => (relative with { Tokenizer = TokenizerKind.Fast, LabelSigma = 1 }).Validate());
    }
}
