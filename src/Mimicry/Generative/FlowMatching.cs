using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

/// <summary>How flow-matching training draws its times t ∈ (0, 1].</summary>
public enum FlowTimeSampling
{
    /// <summary>t = Beta(1.5, 1)·0.999 + 0.001 (π0, openpi): biased toward the noisy end, mean 0.6004.</summary>
    Beta,
    /// <summary>t ~ U(0, 1) (Lipman et al. 2023; rectified flow).</summary>
    Uniform,
}

/// <summary>
/// Conditional flow matching in openpi's convention (models/pi0.py): t = 1 is pure noise, t = 0 data;
/// x_t = t·ε + (1 - t)·a, and the network regresses the velocity u = dx_t/dt = ε - a (Lipman et al. 2023,
/// eq. 22-23, with time reversed). Draws ε first, then t (one per sample).
/// </summary>
public sealed class FlowMatchingObjective(FlowTimeSampling timeSampling) : ITrainingObjective
{
    public Corruption Corrupt(Tensor x0, Generator generator)
    {
        var noise = RandomDraws.Normal(x0.shape, generator, x0.device);
        var t = SampleTime(x0.shape[0], timeSampling, generator, x0.device); // (B,)
        var tb = t.reshape([-1, .. Enumerable.Repeat(1L, (int)x0.dim() - 1)]); // (B, 1, 1)
        return new Corruption(tb * noise + (1 - tb) * x0, t, noise - x0);
    }

    /// <summary>(B,) times: Beta(1.5, 1) by inversion (its CDF is x^1.5, so B = U^(2/3)), scaled into [0.001, 1]; or uniform.</summary>
    public static Tensor SampleTime(long batch, FlowTimeSampling sampling, Generator generator, Device device)
    {
        var u = RandomDraws.Uniform([batch], generator, device);
        return sampling == FlowTimeSampling.Beta ? u.pow(2.0 / 3.0) * 0.999 + 0.001 : u;
    }
}

/// <summary>ODE integrators for a velocity field from t = 1 (noise) to t = 0 (data).</summary>
public enum OdeSolver
{
    /// <summary>x ← x + dt·v(x, t): one network call per step (π0's sampler).</summary>
    Euler,
    /// <summary>Heun's second-order method: two calls per step, the second at the end of the step.</summary>
    Heun,
}

/// <summary>
/// Integrates dx/dt = v(x, t) from x_1 ~ N(0, I) at t = 1 to t = 0 in N equal steps, dt = -1/N, visiting
/// t = 1 + k·dt (LeRobot's euler_integrate form: no drift from summing dt). The final sample is clipped
/// to ±<paramref name="clipRange"/> when <paramref name="clip"/> (intermediate states are not).
/// </summary>
public sealed class FlowSampling(int steps, OdeSolver solver = OdeSolver.Euler, bool clip = true, double clipRange = 1.0) : IActionSampler
{
    public int Steps { get; } = steps >= 1 ? steps : throw new ArgumentOutOfRangeException(nameof(steps), steps, "must be >= 1");
    public OdeSolver Solver { get; } = solver;

    /// <summary>Network calls per sample: N for Euler, 2N - 1 for Heun (its last step ends at t = 0, where it stays first-order).</summary>
    public int Evaluations => EvaluationsOf(Steps, Solver);

    public static int EvaluationsOf(int steps, OdeSolver solver) => solver == OdeSolver.Euler ? steps : 2 * steps - 1;

    public Tensor Sample(Denoiser velocity, long[] shape, Device device, Generator? generator)
    {
        var x = RandomDraws.Normal(shape, generator, device);
        return Integrate(velocity, x);
    }

    /// <summary>The ODE from a given x_1.</summary>
    public Tensor Integrate(Denoiser velocity, Tensor x)
    {
        double dt = -1.0 / Steps;
        long b = x.shape[0];
        for (int k = 0; k < Steps; k++)
        {
            double t = 1.0 + k * dt, tNext = t + dt;
            using var scope = torch.NewDisposeScope();
            var v = velocity(x, torch.full([b], t, dtype: ScalarType.Float32, device: x.device));
            Tensor next = x + dt * v;
            if (Solver == OdeSolver.Heun && k < Steps - 1)
            {
                var v2 = velocity(next, torch.full([b], tNext, dtype: ScalarType.Float32, device: x.device));
                next = x + dt * 0.5 * (v + v2);
            }
            x = next.MoveToOuterDisposeScope();
        }
        return clip ? x.clamp(-clipRange, clipRange) : x;
    }
}
