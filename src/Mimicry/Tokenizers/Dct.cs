namespace Mimicry.Tokenizers;

/// <summary>
/// The orthonormal DCT-II along time and its inverse (DCT-III), as scipy.fft.dct / idct(norm="ortho"):
/// C[k] = s_k Σ_n x[n] cos(π(2n+1)k / 2T), s_0 = √(1/T), s_k = √(2/T). Orthonormal, so it preserves the
/// squared error: rounding the coefficients costs exactly the rounding error in the chunk.
/// </summary>
public static class Dct
{
    /// <summary>Per dimension, over the T rows of a row-major (T, D) chunk → coefficients (T, D), row k = frequency k.</summary>
    public static double[] Forward(ReadOnlySpan<float> chunk, int steps, int dims)
    {
        var c = new double[steps * dims];
        for (int k = 0; k < steps; k++)
        {
            double s = Math.Sqrt((k == 0 ? 1.0 : 2.0) / steps);
            for (int d = 0; d < dims; d++)
            {
                double sum = 0;
                for (int n = 0; n < steps; n++) sum += chunk[n * dims + d] * Math.Cos(Math.PI * (2 * n + 1) * k / (2.0 * steps));
                c[k * dims + d] = s * sum;
            }
        }
        return c;
    }

    /// <summary>The chunk (T, D) whose coefficients are <paramref name="coefficients"/> (T, D).</summary>
    public static double[] Inverse(ReadOnlySpan<double> coefficients, int steps, int dims)
    {
        var x = new double[steps * dims];
        for (int n = 0; n < steps; n++)
            for (int d = 0; d < dims; d++)
            {
                double sum = 0;
                for (int k = 0; k < steps; k++)
                    sum += Math.Sqrt((k == 0 ? 1.0 : 2.0) / steps) * coefficients[k * dims + d] * Math.Cos(Math.PI * (2 * n + 1) * k / (2.0 * steps));
                x[n * dims + d] = sum;
            }
        return x;
    }
}
