using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.DecisionTransformer;

/// <summary>
/// Decision Transformer (Chen et al. 2021): return-conditioned imitation. Loss: MSE between the tanh action
/// predicted at each non-padded state token and the normalized action (kzl/decision-transformer seq_trainer.py); with
/// chunk_size C each state token predicts its next C actions.
/// Acting: <see cref="DecisionTransformerActor"/> keeps each episode's last K (return, state, action, timestep).
/// </summary>
public sealed class DecisionTransformerPolicy : IPolicy
{
    private readonly DecisionTransformerConfig _cfg;
    private readonly DecisionTransformerNetwork _net;

    public PolicyConfig Config => _cfg;
    public nn.Module Network => _net;
    public PolicyNormalizers Normalizers { get; }
    public Device Device { get; }
    public int StateDim { get; }
    public int ActionDim { get; }

    public DecisionTransformerPolicy(DecisionTransformerConfig config, PolicyNormalizers normalizers, Device? device = null)
    {
        config.Validate();
        _cfg = config;
        Normalizers = normalizers;
        Device = device ?? CPU;
        StateDim = normalizers.Dim(config.ObservationKey);
        ActionDim = normalizers.Dim(FeatureKeys.Action);
        _net = (DecisionTransformerNetwork)CreateNetwork();
    }

    public nn.Module CreateNetwork()
    {
        var net = new DecisionTransformerNetwork(_cfg, StateDim, ActionDim);
        net.to(Device);
        return net;
    }

    /// <summary>The chunk predicted at every state token, (B, K, C, a), normalized.</summary>
    internal Tensor Forward(Tensor states, Tensor actions, Tensor returns, Tensor timesteps, Tensor pad)
    {
        var chunks = _net.forward(states, actions, returns / _cfg.ReturnScale, timesteps, pad);  // (B, K, C·a)
        return chunks.reshape(chunks.shape[0], chunks.shape[1], _cfg.ChunkSize, ActionDim);
    }

    /// <summary>MSE over every real (state token, chunk step): s_t's k-th action against a_t+k of the window, whose actions run
    /// C − 1 frames past the last state; targets past the episode's end are padding and left out.</summary>
    public LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        int k = _cfg.Context, c = _cfg.ChunkSize;
        var actionPad = batch.IsPad[FeatureKeys.Action];                              // (B, K + C − 1)
        var pad = actionPad[.., ..k];                                                 // (B, K): before the episode's start
        var predicted = Forward(batch[_cfg.ObservationKey], batch.Action[.., ..k], batch[_cfg.ReturnFeature][.., .., 0],
            batch[FeatureKeys.FrameIndex][.., .., 0], pad);                            // (B, K, C, a)
        var target = batch.Action.unfold(1, c, 1).transpose(2, 3);                    // (B, K, C, a): target[b, t, j] = a_t+j
        var real = (~actionPad).unfold(1, c, 1) & (~pad).unsqueeze(-1);               // (B, K, C): a real state and a real target
        var valid = real.unsqueeze(-1).to(predicted.dtype);
        var loss = ((predicted - target).pow(2) * valid).sum() / (valid.sum() * ActionDim).clamp_min(1);
        return new LossOutput(loss.MoveToOuterDisposeScope());
    }

    /// <summary>One pass over the K-step context: the return, state and action embeddings, the GPT blocks over 3K tokens
    /// (<see cref="Nn.TransformerFlops"/>), the action head on the K state tokens.</summary>
    public double? ForwardFlopsPerSample(bool training)
    {
        int k = _cfg.Context, d = _cfg.EmbedDim;
        return Nn.TransformerFlops.Linear(k, 1, d) + Nn.TransformerFlops.Linear(k, StateDim, d) + Nn.TransformerFlops.Linear(k, ActionDim, d)
            + _cfg.NLayer * Nn.TransformerFlops.EncoderLayer(3 * k, d, 4 * d) + Nn.TransformerFlops.Linear(k, d, _cfg.ChunkSize * ActionDim);
    }

    public IActor CreateActor(int slots, Generator? generator = null) => new DecisionTransformerActor(this, _cfg, slots);

    public void Dispose() => _net.Dispose();
}
