using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

/// <summary>The network as a sampler sees it: (x_t, t (B,)) → its output (ε, x0 or a velocity), conditioning bound in.</summary>
public delegate Tensor Denoiser(Tensor sample, Tensor time);

/// <summary>Draws samples of a given shape from Gaussian noise by repeatedly calling a <see cref="Denoiser"/>.</summary>
public interface IActionSampler
{
    Tensor Sample(Denoiser denoiser, long[] shape, Device device, Generator? generator);
}

/// <summary>
/// The reverse diffusion loop: x_T ~ N(0, I), then x_prev = step(ε_θ(x_t, t), t, x_t) for each of the
/// sampler's timesteps, noisiest first (DP's conditional_sample).
/// </summary>
public sealed class DiffusionSampling(IDiffusionSampler sampler) : IActionSampler
{
    public IDiffusionSampler Sampler { get; } = sampler;

    public Tensor Sample(Denoiser denoiser, long[] shape, Device device, Generator? generator)
    {
        var x = RandomDraws.Normal(shape, generator, device);
        foreach (int t in Sampler.Timesteps)
        {
            using var steps = torch.full([shape[0]], t, dtype: ScalarType.Int64, device: device);
            var output = denoiser(x, steps);
            x = Sampler.Step(output, t, x, generator);
        }
        return x;
    }
}
