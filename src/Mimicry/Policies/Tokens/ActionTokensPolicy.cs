using System.Text.Json;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Nn;
using Mimicry.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Tokens;

/// <summary>
/// Actions as tokens (RT-2, OpenVLA, π0-FAST): the normalized chunk (L × Da) becomes tokens, a GPT predicts them
/// one by one after the observation prefix, trained with cross-entropy (teacher forcing); acting decodes a chunk
/// token by token with a KV cache and turns the tokens back into actions. Fixed-length tokenizers (bins) decode
/// exactly L·Da tokens; FAST's variable-length sequences end with an end token, and a sequence that does not
/// decode to L·Da values is zero-padded or cut (counted in <see cref="InvalidDecodes"/>), never an exception.
/// </summary>
public sealed class ActionTokensPolicy : PolicyBase<ActionTokensConfig>, IFittedPolicy
{
    private readonly ActionTokenTransformer _net;
    private IActionTokenizer? _tokenizer;
    private RelativeRange? _relative; // policy.action_reference: the fitted min/max of a − o[c]
    private const long Ignore = -100; // cross-entropy targets past a sequence's end

    public override nn.Module Network => _net;
    public int ChunkTokens => Cfg.ChunkLength * ActionDim;
    private bool VariableLength => Cfg.Tokenizer == TokenizerKind.Fast;
    private bool Relative => Cfg.ActionReference.Length > 0;
    /// <summary>The fitted range of the relative actions (policy.action_reference), null for absolute actions or before Fit.</summary>
    public RelativeRange? RelativeActions => _relative;
    /// <summary>The tokenizer's vocabulary as the network sees it (FAST: the requested BPE size, an upper bound).</summary>
    private int Vocab => Cfg.Tokenizer == TokenizerKind.Fast ? Cfg.FastVocab : Cfg.Bins;
    /// <summary>Decoded chunks that were not exactly L·Da values (FAST), since this policy was created.</summary>
    public long InvalidDecodes { get; private set; }

    public IActionTokenizer Tokenizer => _tokenizer ?? throw new InvalidOperationException($"the {Cfg.Tokenizer} tokenizer is not fitted: train the policy or load it from a checkpoint");

    public ActionTokensPolicy(ActionTokensConfig config, PolicyNormalizers normalizers, Device? device = null) : base(config, normalizers, device)
    {
        if (config.Tokenizer == TokenizerKind.Bins) _tokenizer = new UniformBins(config.Bins, config.BinConvention);
        if (Relative && (config.ActionReference.Length != ActionDim || config.ActionReference.Max() >= ObsDim))
            throw new ArgumentException($"policy.action_reference [{string.Join(", ", config.ActionReference)}] needs one component of '{config.ObservationKey}' (0..{ObsDim - 1}) per action dimension ({ActionDim})");
        _net = (ActionTokenTransformer)CreateNetwork();
    }

    /// <summary>One pass over the whole sequence (To + 1 + L·Da positions): the observation projection, the GPT blocks
    /// (<see cref="TransformerFlops"/>), the head. Cached decoding does the same linear work spread over one position per token.</summary>
    /// <remarks>Null for a variable-length tokenizer (FAST): its sequences are as long as each batch's longest, far shorter than
    /// <see cref="ChunkTokens"/>, so a count at the fixed length would claim more than the machine's peak.</remarks>
    public override double? ForwardFlopsPerSample(bool training)
    {
        if (VariableLength) return null;
        int t = Cfg.NObsSteps + 1 + ChunkTokens, d = Cfg.EmbedDim;
        return TransformerFlops.Linear(Cfg.NObsSteps, ObsDim, d) + Cfg.NLayer * TransformerFlops.EncoderLayer(t, d, 4 * d) + TransformerFlops.Linear(t, d, Vocab + 2);
    }

    public override nn.Module CreateNetwork()
    {
        var net = new ActionTokenTransformer(ObsDim, Cfg.NObsSteps, Vocab, ChunkTokens + (VariableLength ? 1 : 0), Cfg.EmbedDim, Cfg.NLayer, Cfg.NHead, Cfg.Dropout);
        net.to(Device);
        return net;
    }

    /// <summary>nanoGPT's configure_optimizers: weight decay on matrices (linear and embedding weights), none on biases and norms.</summary>
    public override IReadOnlyList<ParameterGroup> ParameterGroups() =>
    [
        new("matrices", _net.parameters().Where(p => p.dim() >= 2).ToList(), WeightDecay: true),
        new("vectors", _net.parameters().Where(p => p.dim() < 2).ToList(), WeightDecay: false),
    ];

    // ---- fitting (quantile edges, FAST's BPE) ----

    public void Fit(EpisodeDataset data, IReadOnlyList<int> episodes)
    {
        if (Relative) _relative = RelativeRange.Fit(data, episodes, Cfg.ObservationKey, Cfg.ActionReference, Cfg.ChunkLength);
        if (Cfg.Tokenizer == TokenizerKind.Bins) return;
        var chunks = TrainingChunks(data, episodes);
        if (Cfg.Tokenizer == TokenizerKind.Quantile)
            _tokenizer = QuantileBins.Fit(chunks.SelectMany(c => c).ToArray(), ActionDim, Cfg.Bins);
        else
        {
            // A seeded sample of the training windows keeps BPE's fitting to seconds.
            var rng = new Random(7);
            var sample = chunks.Count <= Cfg.FastFitChunks ? chunks : chunks.OrderBy(_ => rng.Next()).Take(Cfg.FastFitChunks).ToList();
            _tokenizer = FastTokenizer.Fit(sample, Cfg.ChunkLength, ActionDim, Cfg.FastVocab, Cfg.FastScale);
        }
    }

    /// <summary>The action chunk in token space (L·Da, row-major) starting at every frame of the given episodes, the last frame
    /// repeated past the end: min/max-normalized absolute actions, or with policy.action_reference the relative ones.</summary>
    private List<float[]> TrainingChunks(EpisodeDataset data, IReadOnlyList<int> episodes)
    {
        if (_relative is { } r) return r.Chunks(data, episodes, Cfg.ObservationKey, Cfg.ActionReference, Cfg.ChunkLength);
        var actions = (float[])data.Values(FeatureKeys.Action).Clone();
        Normalizers[FeatureKeys.Action].Normalize(actions);
        return ActionChunks.EveryFrame(data, actions, ActionDim, Cfg.ChunkLength, episodes);
    }

    private sealed record FittedState(TokenizerKind Kind, QuantileBins? Quantile, FastTokenizer? Fast, RelativeRange? Relative = null);

    public string SaveFitted() => JsonSerializer.Serialize(new FittedState(Cfg.Tokenizer, Tokenizer as QuantileBins, Tokenizer as FastTokenizer, _relative), Configuration.ConfigJson.Options);

    public void LoadFitted(string json, string source)
    {
        FittedState state;
        try { state = JsonSerializer.Deserialize<FittedState>(json, Configuration.ConfigJson.Options) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a fitted tokenizer ({e.Message})"); }
        if (state.Kind != Cfg.Tokenizer) throw new InvalidDataException($"{source}: holds a {state.Kind} tokenizer, the config says {Cfg.Tokenizer}");
        if (Relative != state.Relative is not null || (state.Relative is { } rel && (rel.Min.Length != ActionDim || rel.Half.Length != ActionDim || rel.Half.Any(h => !(h > 0)))))
            throw new InvalidDataException($"{source}: relative range {(state.Relative is null ? "missing" : "not " + ActionDim + " positive widths")}, policy.action_reference is [{string.Join(", ", Cfg.ActionReference)}]");
        _relative = state.Relative;
        _tokenizer = Cfg.Tokenizer switch
        {
            TokenizerKind.Bins => new UniformBins(Cfg.Bins, Cfg.BinConvention),
            TokenizerKind.Quantile => state.Quantile is { Edges.Length: > 0 } q && q.Bins == Cfg.Bins && q.Edges.Length == ActionDim ? q
                : throw new InvalidDataException($"{source}: quantile edges missing or not {ActionDim} dimensions of {Cfg.Bins} bins"),
            _ => state.Fast is { } f && f.VocabSize <= Cfg.FastVocab ? f : throw new InvalidDataException($"{source}: FAST tokenizer missing or larger than policy.fast_vocab {Cfg.FastVocab}"),
        };
    }

    // ---- training ----

    /// <summary>Targets (B, N) with Ignore past each sequence's end, and the teacher-forced inputs (B, N): BOS then the targets shifted.</summary>
    private (Tensor Inputs, Tensor Targets) Sequences(Tensor normalizedChunks)
    {
        var flat = normalizedChunks.reshape(normalizedChunks.shape[0], -1).to(ScalarType.Float32).cpu().data<float>().ToArray();
        int b = (int)normalizedChunks.shape[0], n = ChunkTokens;
        var sequences = Enumerable.Range(0, b).Select(i =>
        {
            var tokens = Tokenizer.Encode(flat.AsSpan(i * n, n), Cfg.ChunkLength, ActionDim);
            return VariableLength ? [.. tokens, _net.Eos] : tokens;
        }).ToArray();
        int width = sequences.Max(s => s.Length);
        var targets = new long[b * width];
        var inputs = new long[b * width];
        for (int i = 0; i < b; i++)
            for (int k = 0; k < width; k++)
            {
                targets[i * width + k] = k < sequences[i].Length ? sequences[i][k] : Ignore;
                inputs[i * width + k] = k == 0 ? _net.Bos : k - 1 < sequences[i].Length ? sequences[i][k - 1] : _net.Eos;
            }
        return (torch.tensor(inputs, device: Device).reshape(b, width), torch.tensor(targets, device: Device).reshape(b, width));
    }

    /// <summary>The chunk as the tokenizer sees it (B, L, Da): normalized absolute actions, or a − o[c] for the newest observation o
    /// normalized by the fitted relative range (clipped to [−1, 1]).</summary>
    private Tensor ToTokenSpace(Tensor normalizedObservations, Tensor normalizedChunk)
    {
        if (!Relative) return normalizedChunk;
        var r = _relative ?? throw new InvalidOperationException("the relative action range is not fitted: train the policy or load it from a checkpoint");
        var relative = Normalizers[FeatureKeys.Action].Unnormalize(normalizedChunk) - Reference(normalizedObservations).unsqueeze(1);
        return r.Normalize(relative).clamp(-1, 1);
    }

    /// <summary>The inverse of <see cref="ToTokenSpace"/>: decoded chunks (B, L, Da) back to normalized absolute actions.</summary>
    private Tensor FromTokenSpace(Tensor normalizedObservations, Tensor tokenChunk)
    {
        if (!Relative) return tokenChunk;
        var absolute = _relative!.Unnormalize(tokenChunk) + Reference(normalizedObservations).unsqueeze(1);
        return Normalizers[FeatureKeys.Action].Normalize(absolute);
    }

    /// <summary>o[c] of the newest observation, unnormalized (B, Da).</summary>
    private Tensor Reference(Tensor normalizedObservations)
    {
        var newest = Normalizers[Cfg.ObservationKey].Unnormalize(normalizedObservations[.., Cfg.NObsSteps - 1]); // (B, Do)
        using var idx = torch.tensor(Cfg.ActionReference.Select(c => (long)c).ToArray(), device: newest.device);
        return newest.index_select(1, idx);
    }

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var obs = batch[Cfg.ObservationKey];                     // (B, To, Do)
        var (inputs, targets) = Sequences(ToTokenSpace(obs, batch.Action)); // (B, N) each
        var logits = _net.forward(obs, inputs)[.., Cfg.NObsSteps..]; // (B, N, V+2): position To + k predicts token k
        var loss = Cfg.LabelSigma > 0 ? GaussianTargets.CrossEntropy(logits, targets, Vocab, Cfg.LabelSigma)
            : nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index: Ignore);
        var tokens = (targets != Ignore).sum().to(ScalarType.Float32) / targets.shape[0];
        return new LossOutput(loss.MoveToOuterDisposeScope(), new Dictionary<string, Tensor> { ["tokens_per_chunk"] = tokens.MoveToOuterDisposeScope() });
    }

    /// <summary>The validation measure that picks a token policy's checkpoints (<c>train.best_on=decoded_l1</c>).</summary>
    public const string DecodedL1 = "decoded_l1";

    public override IReadOnlyList<string> ValidationMetricNames => [DecodedL1];

    /// <summary>
    /// The mean absolute error of the decoded chunk against the demonstrated one, in normalized action units (the executed
    /// rows, padding left out): the chunk decoded token by token as acting does, not teacher-forced. Cross-entropy says how
    /// sure the next token is given the true ones before it; this says how far the actions land, and it keeps falling where
    /// validation cross-entropy rises as the policy memorizes (the paradigm review, ../shared/notes/paradigms-review.md §3 and §8).
    /// </summary>
    public override IReadOnlyDictionary<string, double> ValidationMetrics(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var obs = batch[Cfg.ObservationKey];                                                    // (B, To, Do)
        var predicted = PredictNormalizedWindow(obs, generator)[.., (Cfg.NObsSteps - 1)..];   // (B, L, Da): from the newest observation on
        var target = batch.Action;                                                              // (B, L, Da): the window's chunk (Inputs)
        var valid = batch.ActionIsPad.logical_not().unsqueeze(-1).to(ScalarType.Float32);      // (B, L, 1)
        double count = valid.sum().item<float>() * ActionDim;
        double error = ((predicted - target).abs() * valid).sum().item<float>() / Math.Max(1, count);
        return new Dictionary<string, double> { [DecodedL1] = error };
    }

    // ---- acting ----

    /// <summary>Decodes each row's token sequence (B rows) with a KV cache: one pass over the prefix and BOS, then one per token.</summary>
    public long[][] DecodeTokens(Tensor normalizedObservations, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        var obs = normalizedObservations[.., ..Cfg.NObsSteps];
        long b = obs.shape[0];
        int maxTokens = ChunkTokens + (VariableLength ? 1 : 0);
        var caches = new KvCache?[Cfg.NLayer];
        // Tokens that may not be produced: BOS always; EOS for fixed lengths; FAST ids beyond its fitted vocabulary.
        var banned = torch.zeros(Vocab + 2, ScalarType.Bool, Device);
        banned[_net.Bos] = torch.tensor(true);
        if (!VariableLength) banned[_net.Eos] = torch.tensor(true);
        if (Tokenizer.VocabSize < Vocab) banned[TensorIndex.Slice(Tokenizer.VocabSize, Vocab)] = torch.tensor(true);
        var produced = new List<long[]>();
        var done = new bool[b];
        try
        {
            var next = torch.full(b, 1, _net.Bos, ScalarType.Int64, Device);
            var logits = _net.Step(obs, next, caches, 0);
            for (int k = 0; k < maxTokens; k++)
            {
                var chosen = TokenSampling.Next(logits.masked_fill(banned, double.NegativeInfinity), Cfg.Temperature, Cfg.TopP, generator);
                var values = chosen.cpu().data<long>().ToArray();
                produced.Add(values);
                for (int i = 0; i < b; i++) done[i] |= values[i] == _net.Eos;
                if (k == maxTokens - 1 || (VariableLength && done.All(x => x))) break;
                logits = _net.Step(null, chosen.unsqueeze(1), caches, Cfg.NObsSteps + 1 + k);
            }
        }
        finally { foreach (var c in caches) c?.Dispose(); }
        return Enumerable.Range(0, (int)b).Select(i =>
        {
            var row = produced.Select(p => p[i]);
            return (VariableLength ? row.TakeWhile(t => t != _net.Eos) : row).ToArray();
        }).ToArray();
    }

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator)
    {
        var sequences = DecodeTokens(normalizedObservations, generator);
        int l = Cfg.ChunkLength, da = ActionDim, to = Cfg.NObsSteps;
        var window = new float[sequences.Length * Cfg.Horizon * da]; // rows before the newest observation stay 0 (never executed)
        for (int i = 0; i < sequences.Length; i++)
        {
            var (chunk, valid) = Tokenizer.Decode(sequences[i].Select(t => (int)t).ToArray(), l, da);
            if (!valid) InvalidDecodes++;
            Array.Copy(chunk, 0, window, (i * Cfg.Horizon + to - 1) * da, l * da);
        }
        var normalized = torch.tensor(window, device: Device).reshape(sequences.Length, Cfg.Horizon, da);
        if (!Relative) return normalized;
        using (torch.NewDisposeScope())
            normalized[.., (to - 1)..] = FromTokenSpace(normalizedObservations, normalized[.., (to - 1)..]);
        return normalized;
    }
}
