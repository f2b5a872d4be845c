using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

public enum SamplerKind
{
    /// <summary>DDPM ancestral sampling (Ho et al. 2020, Algorithm 2).</summary>
    Ddpm,
    /// <summary>DDIM (Song et al. 2021, eq. 12) with any number of steps and eta, as diffusers' DDIMScheduler.step
    /// does by default and Diffusion Policy calls it: ε stays the network's output when x0 is clipped.</summary>
    Ddim,
    /// <summary>DDIM with ε recomputed from the clipped x0 (diffusers' use_clipped_model_output=True): x0 and ε stay
    /// consistent, and eta = 1 gives DDPM's posterior exactly. Not what DP runs.</summary>
    DdimClipped,
}

/// <summary>Which of the T training steps n inference steps visit (diffusers' timestep_spacing).</summary>
public enum TimestepSpacing
{
    /// <summary>(0..n-1)·(T div n), reversed: 90, 80, ..., 0 for n = 10. diffusers' default and DP's. With few steps
    /// it never visits the noisiest step: n = 1 denoises pure noise as if it were step 0.</summary>
    Leading,
    /// <summary>round(T, T - T/n, ..., T/n) - 1: 99, 74, 49, 24 for n = 4 (Lin et al. 2024, "Common diffusion noise
    /// schedules and sample steps are flawed", Table 2). Always starts at the noisiest step.</summary>
    Trailing,
}

/// <summary>One reverse step x_t → x_prev of a diffusion sampler, shared by every diffusion-style policy.</summary>
public interface IDiffusionSampler
{
    /// <summary>The steps visited, from noisiest to clean (e.g. 99..0, or 90, 80, ..., 0).</summary>
    int[] Timesteps { get; }

    /// <summary>x_prev from x_t and the model output at step t. <paramref name="generator"/> null: no noise (the mean path).</summary>
    Tensor Step(Tensor modelOutput, int t, Tensor sample, Generator? generator);
}

/// <summary>Shared pieces: x0 from the model output, clipping.</summary>
public abstract class DiffusionSamplerBase(NoiseSchedule schedule, int inferenceSteps, PredictionType prediction, bool clipSample, double clipRange,
    TimestepSpacing spacing = TimestepSpacing.Leading) : IDiffusionSampler
{
    public NoiseSchedule Schedule { get; } = schedule;
    protected readonly PredictionType Prediction = prediction;
    protected readonly bool ClipSample = clipSample;
    protected readonly double ClipRange = clipRange;

    /// <summary>The visited steps, noisiest first (diffusers' set_timesteps with <see cref="TimestepSpacing"/>).</summary>
    public int[] Timesteps { get; } = SpacedTimesteps(schedule.TrainTimesteps, inferenceSteps, spacing);

    public static int[] SpacedTimesteps(int train, int steps, TimestepSpacing spacing)
    {
        if (steps < 1 || steps > train) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"inference steps must be in 1..{train}");
        if (spacing == TimestepSpacing.Leading)
        {
            int ratio = train / steps;
            return Enumerable.Range(0, steps).Select(i => i * ratio).Reverse().ToArray();
        }
        // np.round(np.arange(T, 0, -T / n)) - 1; numpy rounds halves to even.
        double stride = (double)train / steps;
        return Enumerable.Range(0, steps).Select(i => (int)Math.Round(train - i * stride, MidpointRounding.ToEven) - 1).ToArray();
    }

    /// <summary>The step visited after <paramref name="t"/> (-1 after the last: ᾱ = 1, the clean sample).</summary>
    public int Previous(int t)
    {
        int i = Array.IndexOf(Timesteps, t);
        if (i < 0) throw new ArgumentOutOfRangeException(nameof(t), t, "not one of the sampler's timesteps");
        return i + 1 < Timesteps.Length ? Timesteps[i + 1] : -1;
    }

    /// <summary>x0 predicted from x_t (DDPM eq. 15 for epsilon), clipped to ±clip_range when enabled.</summary>
    protected Tensor PredictX0(Tensor modelOutput, Tensor sample, double abarT)
    {
        var x0 = Prediction == PredictionType.Epsilon
            ? (sample - Math.Sqrt(1 - abarT) * modelOutput) / Math.Sqrt(abarT)
            : modelOutput.alias();
        return ClipSample ? x0.clamp(-ClipRange, ClipRange) : x0;
    }

    public abstract Tensor Step(Tensor modelOutput, int t, Tensor sample, Generator? generator);
}

/// <summary>
/// DDPM ancestral sampling with the posterior q(x_prev | x_t, x0) (DDPM eq. 7): mean
/// sqrt(ᾱ_prev) β_t / (1-ᾱ_t) x0 + sqrt(α_t) (1-ᾱ_prev) / (1-ᾱ_t) x_t and variance
/// "fixed_small" β̃ = (1-ᾱ_prev) / (1-ᾱ_t) β_t (diffusers' DDPMScheduler.step, as DP uses it).
/// With fewer inference steps than training steps, α_t and β_t are those of the strided step.
/// </summary>
public sealed class DdpmSampler(NoiseSchedule schedule, int inferenceSteps, PredictionType prediction = PredictionType.Epsilon, bool clipSample = true, double clipRange = 1.0,
    TimestepSpacing spacing = TimestepSpacing.Leading)
    : DiffusionSamplerBase(schedule, inferenceSteps, prediction, clipSample, clipRange, spacing)
{
    public override Tensor Step(Tensor modelOutput, int t, Tensor sample, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        int prev = Previous(t);
        double abarT = Schedule.AlphaBarAt(t), abarPrev = Schedule.AlphaBarAt(prev);
        double alphaT = abarT / abarPrev, betaT = 1 - alphaT;
        var x0 = PredictX0(modelOutput, sample, abarT);
        double cX0 = Math.Sqrt(abarPrev) * betaT / (1 - abarT);
        double cXt = Math.Sqrt(alphaT) * (1 - abarPrev) / (1 - abarT);
        var mean = cX0 * x0 + cXt * sample;
        if (t > 0 && generator != null)
        {
            double variance = Math.Max((1 - abarPrev) / (1 - abarT) * betaT, 1e-20);
            mean = mean + Math.Sqrt(variance) * RandomDraws.Normal(sample.shape, generator, sample.device, sample.dtype);
        }
        return mean.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// DDIM (Song et al. 2021, eq. 12): x_prev = sqrt(ᾱ_prev) x0 + sqrt(1 - ᾱ_prev - σ²) ε + σ z with
/// σ = eta sqrt((1-ᾱ_prev)/(1-ᾱ_t)) sqrt(1 - ᾱ_t/ᾱ_prev) (diffusers v0.11.1 DDIMScheduler.step, which
/// Diffusion Policy pins). By default ε is the network's output even when x0 was clipped (diffusers'
/// use_clipped_model_output=False, DP's call); <paramref name="useClippedModelOutput"/> recomputes ε from
/// the clipped x0, which keeps them consistent (then eta = 1 gives DDPM's posterior, Song et al. §4.1).
/// </summary>
public sealed class DdimSampler(NoiseSchedule schedule, int inferenceSteps, double eta = 0.0, PredictionType prediction = PredictionType.Epsilon, bool clipSample = true,
    double clipRange = 1.0, bool useClippedModelOutput = false, TimestepSpacing spacing = TimestepSpacing.Leading)
    : DiffusionSamplerBase(schedule, inferenceSteps, prediction, clipSample, clipRange, spacing)
{
    public double Eta { get; } = eta >= 0 ? eta : throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be >= 0");
    public bool UseClippedModelOutput { get; } = useClippedModelOutput;

    public override Tensor Step(Tensor modelOutput, int t, Tensor sample, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        int prev = Previous(t);
        double abarT = Schedule.AlphaBarAt(t), abarPrev = Schedule.AlphaBarAt(prev);
        var x0 = PredictX0(modelOutput, sample, abarT);
        // ε as diffusers derives it: the network's (ε-prediction) or from its unclipped x0 (sample prediction);
        // with use_clipped_model_output, from the clipped x0.
        var eps = UseClippedModelOutput ? (sample - Math.Sqrt(abarT) * x0) / Math.Sqrt(1 - abarT)
            : Prediction == PredictionType.Epsilon ? modelOutput
            : (sample - Math.Sqrt(abarT) * modelOutput) / Math.Sqrt(1 - abarT);
        double variance = (1 - abarPrev) / (1 - abarT) * (1 - abarT / abarPrev);
        double sigma = Eta * Math.Sqrt(Math.Max(variance, 0));
        var result = Math.Sqrt(abarPrev) * x0 + Math.Sqrt(Math.Max(1 - abarPrev - sigma * sigma, 0)) * eps;
        if (sigma > 0 && generator != null)
            result = result + sigma * RandomDraws.Normal(sample.shape, generator, sample.device, sample.dtype);
        return result.MoveToOuterDisposeScope();
    }
}
