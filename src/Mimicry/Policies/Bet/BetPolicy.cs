using System.Text.Json;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using Mimicry.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Bet;

/// <summary>
/// Behavior Transformer (see <see cref="BetConfig"/>). Training: each normalized action a_t of the window becomes its
/// nearest k-means centre c_k plus an offset a_t − c_k; the network's logits at position t are trained toward k with a
/// focal loss and its k-th offset toward the residual with an MSE (mingpt.py get_latent_and_loss). Acting: a bin drawn
/// from softmax(logits / T) at every position, plus that bin's predicted offset (generate_latents, decode_actions).
/// Observation positions from To on are filled with −2 (outside the normalized range), as DP masks them. With chunk_size
/// C &gt; 1 a code is a chunk a_t .. a_t+C−1 (C·Da values) and the newest position's chunk is what the actor executes.
/// </summary>
public sealed class BetPolicy : PolicyBase<BetConfig>, IFittedPolicy
{
    private readonly BetNetwork _net;
    /// <summary>The k-means centres (K, C·Da), normalized; zeros until fitted (or loaded with the weights).</summary>
    private Tensor Centers => _net.Centers;
    /// <summary>Values per code: a chunk of C actions, C·Da.</summary>
    private int CodeDim => Cfg.ChunkSize * ActionDim;

    public override nn.Module Network => _net;

    public BetPolicy(BetConfig config, PolicyNormalizers normalizers, Device? device = null) : base(config, normalizers, device) =>
        _net = (BetNetwork)CreateNetwork();

    public override nn.Module CreateNetwork()
    {
        var net = new BetNetwork(ObsDim, Cfg.SequenceLength, Cfg.Bins, Cfg.ChunkSize * ActionDim, Cfg.EmbedDim, Cfg.NLayer, Cfg.NHead, Cfg.Dropout);
        net.to(Device);
        return net;
    }

    public override double? ForwardFlopsPerSample(bool training)
    {
        int t = Cfg.SequenceLength, d = Cfg.EmbedDim;
        return TransformerFlops.Linear(t, ObsDim, d) + Cfg.NLayer * TransformerFlops.EncoderLayer(t, d, 4 * d) + TransformerFlops.Linear(t, d, Cfg.Bins * (1 + CodeDim));
    }

    /// <summary>minGPT's configure_optimizers: weight decay on the linear weights only (not biases, norms or positions).</summary>
    public override IReadOnlyList<ParameterGroup> ParameterGroups() =>
    [
        new("matrices", _net.named_parameters().Where(p => p.name != "pos_emb" && p.parameter.dim() >= 2).Select(p => p.parameter).ToList(), WeightDecay: true),
        new("vectors", _net.named_parameters().Where(p => p.name == "pos_emb" || p.parameter.dim() < 2).Select(p => p.parameter).ToList(), WeightDecay: false),
    ];

    // ---- fitting: the k-means bins on the normalized training actions (or chunks) ----

    public void Fit(EpisodeDataset data, IReadOnlyList<int> episodes)
    {
        var all = (float[])data.Values(FeatureKeys.Action).Clone();
        Normalizers[FeatureKeys.Action].Normalize(all);
        int c = Cfg.ChunkSize, da = ActionDim;
        var rows = new float[episodes.Sum(e => (long)data.EpisodeLength(e)) * CodeDim];   // one chunk of C·Da values per frame
        int at = 0;
        foreach (int e in episodes)
        {
            long start = data.EpisodeStart(e), end = data.EpisodeEnds[e];
            for (long t = start; t < end; t++)
                for (int j = 0; j < c; j++, at += da)            // a_t .. a_t+C−1, the episode's last action repeated past its end
                    Array.Copy(all, Math.Min(t + j, end - 1) * da, rows, at, da);
        }
        var bins = KMeansBins.Fit(rows, CodeDim, Cfg.Bins, Cfg.KMeansIterations);
        using var centers = torch.tensor(bins.Centers).reshape(Cfg.Bins, CodeDim);
        using (torch.no_grad()) Centers.copy_(centers);
    }

    /// <summary>The centres live in the weights (a buffer); the fitted file records what was fitted, for a reader.</summary>
    public string SaveFitted() => JsonSerializer.Serialize(new { k_means_bins = Cfg.Bins, chunk_size = Cfg.ChunkSize, iterations = Cfg.KMeansIterations, centers_in = "bin_centers (weights)" });

    /// <summary>Checks the fitted file against the config (the centres themselves come with the weights, loaded after this).</summary>
    public void LoadFitted(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("k_means_bins", out var k) || k.GetInt32() != Cfg.Bins)
                throw new InvalidDataException($"{source}: k_means_bins is not policy.bins ({Cfg.Bins})");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a BeT fitted file ({e.Message})");
        }
    }

    // ---- training ----

    /// <summary>The observation window as the network reads it: To frames, then −2 up to the sequence length (B, T, Do).</summary>
    private Tensor Sequence(Tensor normalizedObservations)
    {
        var obs = ObservedWindow(normalizedObservations);
        int t = Cfg.SequenceLength;
        if (t == Cfg.NObsSteps) return obs;
        var pad = torch.full(obs.shape[0], t - Cfg.NObsSteps, obs.shape[2], -2f, device: obs.device);
        return torch.cat([obs, pad], 1);
    }

    /// <summary>Logits (B, T, K) and every bin's offsets (B, T, K, C·Da).</summary>
    private (Tensor Logits, Tensor Offsets) Heads(Tensor output)
    {
        int k = Cfg.Bins;
        return (output[.., .., ..k], output[.., .., k..].reshape(output.shape[0], output.shape[1], k, CodeDim));
    }

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var (logits, offsets) = Heads(_net.forward(Sequence(batch[Cfg.ObservationKey])));     // (B, T, K), (B, T, K, C·Da)
        long b = logits.shape[0], t = logits.shape[1];
        var chunks = batch.Action.unfold(1, Cfg.ChunkSize, 1).transpose(2, 3);                // (B, H − C + 1, C, Da): a_t .. a_t+C−1
        var action = chunks[.., ..(int)t].reshape(b, t, CodeDim);                             // (B, T, C·Da), normalized
        var distance = (action.unsqueeze(2) - Centers.unsqueeze(0).unsqueeze(0)).pow(2).sum(-1); // (B, T, K)
        var bin = distance.argmin(-1);                                                         // (B, T): the nearest centre
        var (centre, chosen) = Decode(bin, offsets);                                           // c_k and the k-th offset, (B, T, C·Da) each
        var residual = action - centre;                                                        // a − c_k
        var classLoss = FocalLoss.Compute(logits.reshape(-1, Cfg.Bins), bin.flatten(), Cfg.FocalGamma);
        var offsetLoss = Cfg.OffsetLossScale * nn.functional.mse_loss(chosen, residual);
        return new LossOutput((classLoss + offsetLoss).MoveToOuterDisposeScope(),
            new Dictionary<string, Tensor> { ["class"] = classLoss.MoveToOuterDisposeScope(), ["offset"] = offsetLoss.MoveToOuterDisposeScope() });
    }

    // ---- acting ----

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        var (logits, offsets) = Heads(_net.forward(Sequence(normalizedObservations)));        // (B, T, K), (B, T, K, C·Da)
        long b = logits.shape[0], t = logits.shape[1];
        var bin = TokenSampling.Next(logits.reshape(b * t, Cfg.Bins), Cfg.Temperature, 1.0, generator).reshape(b, t); // (B, T)
        var (centre, offset) = Decode(bin, offsets);
        var chunks = (centre + offset).reshape(b, t, Cfg.ChunkSize, ActionDim);                // (B, T, C, Da)
        // The window the actor reads: each earlier position's first action, then the newest position's whole chunk.
        var window = torch.cat([chunks[.., ..(int)(t - 1), 0], chunks[.., (int)(t - 1)]], 1);  // (B, T − 1 + C, Da)
        return window[.., ..Cfg.Horizon].MoveToOuterDisposeScope();                            // (B, H, Da)
    }

    /// <summary>For bins (B, T): their centres and the network's offsets for them, (B, T, C·Da) each.</summary>
    private (Tensor Centre, Tensor Offset) Decode(Tensor bin, Tensor offsets)
    {
        long b = bin.shape[0], t = bin.shape[1];
        var centre = Centers.index_select(0, bin.flatten()).reshape(b, t, CodeDim);
        var offset = offsets.gather(2, bin.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, 1, CodeDim)).squeeze(2);
        return (centre, offset);
    }
}
