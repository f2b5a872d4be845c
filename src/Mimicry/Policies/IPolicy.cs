using Mimicry.Data.Sampling;
using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies;

/// <summary>The training loss and its named parts (each a scalar tensor), logged apart in <c>metrics.jsonl</c>.</summary>
/// <param name="Loss">What is minimized.</param>
/// <param name="Terms">Named terms for the log (e.g. "l1", "kl"); may be empty when the loss has one part.</param>
public sealed record LossOutput(Tensor Loss, IReadOnlyDictionary<string, Tensor> Terms)
{
    public LossOutput(Tensor loss) : this(loss, new Dictionary<string, Tensor>()) { }
}

/// <summary>Parameters that share optimizer settings (nanoGPT's configure_optimizers groups).</summary>
/// <param name="Name">For the log.</param>
/// <param name="Parameters">The group's parameters.</param>
/// <param name="WeightDecay">Whether train.weight_decay applies to this group.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<TorchSharp.Modules.Parameter> Parameters, bool WeightDecay);

/// <summary>
/// A policy: a network trained from batches of declared windows, and actors that use it in episodes.
/// Every policy is trained by the same trainer (<c>Training.Trainer</c>), evaluated by the same
/// evaluator (<c>Evaluation.Evaluator</c>), listed once in <see cref="PolicyRegistry"/>.
/// </summary>
public interface IPolicy : IDisposable
{
    PolicyConfig Config { get; }

    /// <summary>The trainable network (its parameters and buffers are what the optimizer, EMA and checkpoints see).</summary>
    nn.Module Network { get; }

    /// <summary>Normalizers of every declared feature, part of the policy's state.</summary>
    PolicyNormalizers Normalizers { get; }

    Device Device { get; }

    /// <summary>A fresh network of the same architecture (for the EMA copy).</summary>
    nn.Module CreateNetwork();

    /// <summary>The training loss on a normalized batch.</summary>
    LossOutput ComputeLoss(Batch batch, Generator generator);

    /// <summary>How the optimizer treats the parameters (default: one group, decayed, as Diffusion Policy).</summary>
    IReadOnlyList<ParameterGroup> ParameterGroups() => [new("all", Network.parameters().ToList(), WeightDecay: true)];

    /// <summary>
    /// Matrix-product FLOPs of one network pass for one sample (training: with what only training runs, e.g. ACT's CVAE
    /// encoder), for throughput as GFLOP/s against the machine's matmul peak; a training step costs about 3× the forward
    /// pass. Null when the policy has no count.
    /// </summary>
    double? ForwardFlopsPerSample(bool training) => null;

    /// <summary>Names of the measures <see cref="ValidationMetrics"/> reports (e.g. "decoded_l1"): what <c>train.best_on</c> may
    /// name besides the validation loss.</summary>
    IReadOnlyList<string> ValidationMetricNames => [];

    /// <summary>
    /// Measures of acting on a normalized validation batch beyond the training loss, lower is better, each a mean over the
    /// batch: e.g. the error of the actions the policy decodes, where the loss is teacher-forced. Called in eval mode without
    /// gradients; draws only from <paramref name="generator"/>.
    /// </summary>
    IReadOnlyDictionary<string, double> ValidationMetrics(Batch batch, Generator generator) => new Dictionary<string, double>();

    /// <summary>An actor with <paramref name="slots"/> independent episodes, sampling with <paramref name="generator"/>.</summary>
    IActor CreateActor(int slots, Generator? generator = null);
}

/// <summary>A policy that predicts action chunks from an observation window (every <see cref="PolicyBase{TConfig}"/>).</summary>
public interface IChunkingPolicy : IPolicy
{
    /// <summary>Actions predicted from the newest observation on (H - To + 1 for DP's windows).</summary>
    int ChunkLength { get; }

    /// <summary>Raw observations (B, To, Do) → the raw action chunk (B, ChunkLength, Da), row 0 for the newest observation.</summary>
    Tensor PredictChunk(Tensor observations, Generator? generator);

    /// <summary>The same from a whole observation window: the low-dimensional observation (B, To, Do) and every camera
    /// (B, To, H·W·C) as the environment gives it (0..255) or (B, To, C, H, W).</summary>
    Tensor PredictChunk(IReadOnlyDictionary<string, Tensor> window, Generator? generator);
}

/// <summary>
/// A chunking policy that can steer a new chunk toward actions already committed (real-time chunking, Black et al. 2025):
/// the previous chunk's left-over actions, which the robot executes while this one is predicted.
/// </summary>
public interface IPrefixGuidedPolicy : IChunkingPolicy
{
    /// <summary>
    /// <see cref="IChunkingPolicy.PredictChunk(IReadOnlyDictionary{string, Tensor}, Generator?)"/> guided toward
    /// <paramref name="prefix"/> (B, P, Da) raw actions for the newest observation's step on, with per-action weights
    /// (B, P) in [0, 1] (1: frozen, they will run before the chunk arrives; 0: free; padding rows 0).
    /// </summary>
    Tensor PredictChunk(IReadOnlyDictionary<string, Tensor> window, Tensor prefix, Tensor weights, Generator? generator);
}

public static class PolicyExtensions
{
    /// <summary>Number of trainable values in the policy's network.</summary>
    public static long ParameterCount(this IPolicy policy) => policy.Network.parameters().Sum(p => p.numel());

    /// <summary>The Ta actions one receding-horizon step executes: (B, Ta, Da).</summary>
    public static Tensor PredictActionChunk(this IChunkingPolicy policy, Tensor observations, Generator? generator)
    {
        using var chunk = policy.PredictChunk(observations, generator);
        return chunk[.., ..policy.Config.NActionSteps].contiguous();
    }
}
