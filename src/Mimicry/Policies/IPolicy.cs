using Mimicry.Data.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies;

/// <summary>
/// A policy: a network trained from batches of windows, and a way to act from a window of raw
/// observations. Every policy is trained by the same <see cref="Training.Trainer"/> and evaluated by
/// the same <see cref="Evaluation.Evaluator"/>.
/// </summary>
public interface IPolicy : IDisposable
{
    PolicyConfig Config { get; }

    /// <summary>The trainable network (its parameters are what the optimizer and EMA see).</summary>
    nn.Module Network { get; }

    /// <summary>Normalizers of the observation and the action, part of the policy's state.</summary>
    PolicyNormalizers Normalizers { get; }

    /// <summary>A fresh network of the same architecture (for the EMA copy).</summary>
    nn.Module CreateNetwork();

    /// <summary>The training loss on a normalized batch (a scalar tensor).</summary>
    Tensor ComputeLoss(Batch batch, Generator generator);

    /// <summary>
    /// Actions to execute from raw (unnormalized) observations (B, To, Do): returns raw actions
    /// (B, Ta, Da), the first being for the time of the last observation.
    /// </summary>
    Tensor PredictActionChunk(Tensor observations, Generator? generator);
}
