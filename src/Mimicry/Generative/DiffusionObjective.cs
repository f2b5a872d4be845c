using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

/// <summary>A training example made from clean data x0: the network's input, its time, and what it must predict.</summary>
/// <param name="Input">The corrupted sample x_t, same shape as x0.</param>
/// <param name="Time">(B,) the time or step of each sample (int64 steps for diffusion).</param>
/// <param name="Target">What the network is regressed onto, same shape as x0.</param>
public sealed record Corruption(Tensor Input, Tensor Time, Tensor Target);

/// <summary>A generative training objective: how clean samples are corrupted and what is predicted from them.</summary>
public interface ITrainingObjective
{
    Corruption Corrupt(Tensor x0, Generator generator);
}

/// <summary>
/// DDPM's objective (Ho et al. 2020, eq. 14): t ~ U{0..T-1}, ε ~ N(0, I),
/// x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) ε, and the network predicts ε (or x0 with sample prediction).
/// Draws ε first, then t, from the generator it is given.
/// </summary>
public sealed class DiffusionObjective(NoiseSchedule schedule, PredictionType prediction) : ITrainingObjective
{
    public Corruption Corrupt(Tensor x0, Generator generator)
    {
        var noise = RandomDraws.Normal(x0.shape, generator, x0.device);
        var t = RandomDraws.Integers(0, schedule.TrainTimesteps, [x0.shape[0]], generator, x0.device);
        return new Corruption(schedule.AddNoise(x0, noise, t), t, prediction == PredictionType.Epsilon ? noise : x0);
    }
}
