using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

/// <summary>
/// Real-time chunking by guided inpainting (Black, Galliker, Levine 2025, "Real-Time Execution of Action Chunking Flow
/// Policies", Alg. 1), as LeRobot implements it (<c>policies/rtc/modeling_rtc.py</c>, <c>RTCProcessor.denoise_step</c>):
/// while a chunk is predicted the robot keeps executing the previous one, so the new chunk is steered toward the previous
/// chunk's left-over actions: fully over the first d (the inference delay: they will run before the new chunk arrives),
/// fading linearly to 0 at the execution horizon (prefix_attention_schedule LINEAR), free after it. With flow time t
/// going 1 (noise) → 0 (data), v ≈ ε − a, the predicted clean chunk is x̂ = x_t − t·v and the velocity becomes
/// <code>
///   v' = v − w(t)·W·(A_prev − x̂),   w(t) = min(c·(t² + (1−t)²)/t², β),   c = t/(1−t),   β = max_guidance_weight = 10
/// </code>
/// (the paper's τ = 1 − t). The paper multiplies the error by the Jacobian ∂x̂/∂x_t (a VJP through the network);
/// LeRobot's code evaluates v before x_t requires grad, so its VJP is the identity and the correction is the weighted
/// error itself — that is what is done here, with no backward pass.
/// </summary>
public static class RealTimeChunking
{
    /// <summary>LeRobot's max_guidance_weight.</summary>
    public const double MaxGuidanceWeight = 10.0;

    /// <summary>
    /// LeRobot's LINEAR prefix weights over a chunk of <paramref name="total"/> actions: 1 for the first
    /// <paramref name="delay"/>, then linspace(1, 0, e − d + 2)[1:-1] up to the execution horizon e, then 0.
    /// </summary>
    public static float[] PrefixWeights(int delay, int horizon, int total)
    {
        var w = new float[total];
        int d = Math.Min(delay, horizon);
        for (int i = 0; i < Math.Min(d, total); i++) w[i] = 1;
        int n = Math.Min(horizon, total) - d; // soft part
        for (int k = 0; k < n; k++) w[d + k] = (float)(1.0 - (k + 1) / (double)(n + 1));
        return w;
    }

    /// <summary>w(t): the guidance weight at flow time t (1: noise), clipped to <paramref name="maxWeight"/>.</summary>
    public static double GuidanceWeight(double t, double maxWeight = MaxGuidanceWeight)
    {
        if (t >= 1 || t <= 0) return maxWeight;
        double c = t / (1 - t), invR2 = (t * t + (1 - t) * (1 - t)) / (t * t);
        return Math.Min(c * invR2, maxWeight);
    }

    /// <summary>The velocity field guided toward <paramref name="target"/> (B, H, Da) with per-action weights (B, H, 1).</summary>
    public static Denoiser Guide(Denoiser velocity, Tensor target, Tensor weights, double maxWeight = MaxGuidanceWeight) => (x, t) =>
    {
        var v = velocity(x, t);
        double time;
        using (var first = t[0]) using (var f64 = first.to_type(ScalarType.Float64)) time = f64.item<double>();
        var predicted = x - time * v;                 // x̂: the clean chunk this step points at
        var error = (target - predicted) * weights;   // toward the left-over actions, where they are frozen or fading
        return v - GuidanceWeight(time, maxWeight) * error;
    };
}
