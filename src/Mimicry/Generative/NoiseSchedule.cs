using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

public enum BetaSchedule
{
    /// <summary>Linear from beta_start to beta_end.</summary>
    Linear,
    /// <summary>Nichol and Dhariwal (2021) cosine: alpha_bar(t) = cos((t + 0.008) / 1.008 * pi/2)^2, betas capped at 0.999.</summary>
    SquaredCosCapV2,
}

/// <summary>What the denoiser is trained to output.</summary>
public enum PredictionType
{
    /// <summary>The added noise epsilon (DDPM, Ho et al. 2020, eq. 14).</summary>
    Epsilon,
    /// <summary>The clean sample x0.</summary>
    Sample,
}

/// <summary>
/// A discrete-time diffusion noise schedule: betas, alphas = 1 - betas and their cumulative products
/// (diffusers' DDPMScheduler.__init__ and betas_for_alpha_bar). Computed in float64, as diffusers
/// computes the cosine schedule, then used in float32 tensors.
/// </summary>
public sealed class NoiseSchedule
{
    public int TrainTimesteps { get; }
    public double[] Betas { get; }
    public double[] Alphas { get; }
    public double[] AlphasCumprod { get; }

    public NoiseSchedule(int trainTimesteps = 100, BetaSchedule schedule = BetaSchedule.SquaredCosCapV2, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        if (trainTimesteps < 1) throw new ArgumentOutOfRangeException(nameof(trainTimesteps), trainTimesteps, "must be >= 1");
        TrainTimesteps = trainTimesteps;
        Betas = new double[trainTimesteps];
        for (int i = 0; i < trainTimesteps; i++)
        {
            Betas[i] = schedule switch
            {
                BetaSchedule.Linear => trainTimesteps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * i / (trainTimesteps - 1),
                BetaSchedule.SquaredCosCapV2 => Math.Min(1 - AlphaBar((i + 1.0) / trainTimesteps) / AlphaBar((double)i / trainTimesteps), 0.999),
                _ => throw new ArgumentOutOfRangeException(nameof(schedule)),
            };
        }
        Alphas = Betas.Select(b => 1 - b).ToArray();
        AlphasCumprod = new double[trainTimesteps];
        double prod = 1;
        for (int i = 0; i < trainTimesteps; i++) AlphasCumprod[i] = prod *= Alphas[i];
    }

    private static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);

    /// <summary>ᾱ at step t, with ᾱ(-1) = 1 (diffusers' "set_alpha_to_one").</summary>
    public double AlphaBarAt(int t) => t < 0 ? 1.0 : AlphasCumprod[t];

    /// <summary>Forward process q(x_t | x_0) = N(sqrt(ᾱ_t) x0, (1 - ᾱ_t) I) (DDPM eq. 4): sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) noise.</summary>
    /// <param name="x0">(B, ...) clean samples.</param>
    /// <param name="noise">Same shape as x0.</param>
    /// <param name="timesteps">(B,) int64 steps.</param>
    public Tensor AddNoise(Tensor x0, Tensor noise, Tensor timesteps)
    {
        using var scope = torch.NewDisposeScope();
        var abar = torch.tensor(AlphasCumprod.Select(v => (float)v).ToArray(), device: x0.device).index(timesteps);
        var shape = new long[x0.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x0.shape[0];
        abar = abar.reshape(shape);
        return (abar.sqrt() * x0 + (1 - abar).sqrt() * noise).MoveToOuterDisposeScope();
    }
}
