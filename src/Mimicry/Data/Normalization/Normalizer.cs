using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Data;

/// <summary>How a feature is mapped to the network's range.</summary>
public enum NormalizationMode
{
    /// <summary>Unchanged.</summary>
    Identity,
    /// <summary>[min, max] to [-1, 1]; DP's LinearNormalizer "limits" mode (constant dimensions are shifted, not scaled).</summary>
    MinMax,
    /// <summary>(x - mean) / max(std, floor).</summary>
    MeanStd,
    /// <summary>[q01, q99] to [-1, 1], clipped (OpenVLA, pi0-FAST).</summary>
    Quantile,
}

/// <summary>
/// An affine, per-component map y = x * scale + offset (clipped to [-1, 1] in Quantile mode) and its inverse.
/// Follows diffusion_policy/model/common/normalizer.py (_fit, "limits": output range [-1, 1], range_eps 1e-4)
/// and openpi's transforms (quantile normalization).
/// </summary>
public sealed class Normalizer
{
    /// <summary>DP's <c>range_eps</c>: dimensions whose range is below it are treated as constant.</summary>
    public const double RangeEps = 1e-4;
    /// <summary>Default floor on the standard deviation in MeanStd mode.</summary>
    public const double DefaultStdFloor = 1e-4;
    /// <summary>Added to the quantile range, as openpi does, so a constant dimension divides by something.</summary>
    public const double QuantileEps = 1e-6;

    public NormalizationMode Mode { get; }
    public double[] Scale { get; }
    public double[] Offset { get; }
    public bool Clip => Mode == NormalizationMode.Quantile;
    public int Dim => Scale.Length;

    private readonly float[] _scale32, _offset32;

    private Normalizer(NormalizationMode mode, double[] scale, double[] offset)
    {
        Mode = mode;
        Scale = scale;
        Offset = offset;
        _scale32 = scale.Select(v => (float)v).ToArray();
        _offset32 = offset.Select(v => (float)v).ToArray();
    }

    public static Normalizer Create(FeatureStats stats, NormalizationMode mode, double stdFloor = DefaultStdFloor)
    {
        int d = stats.Dim;
        var scale = new double[d];
        var offset = new double[d];
        for (int i = 0; i < d; i++)
        {
            switch (mode)
            {
                case NormalizationMode.Identity:
                    scale[i] = 1; offset[i] = 0;
                    break;
                case NormalizationMode.MinMax:
                    double range = (double)stats.Max[i] - stats.Min[i];
                    if (range < RangeEps) { scale[i] = 1; offset[i] = -stats.Min[i]; } // (out_max + out_min)/2 - min
                    else { scale[i] = 2 / range; offset[i] = -1 - scale[i] * stats.Min[i]; }
                    break;
                case NormalizationMode.MeanStd:
                    double std = Math.Max(stats.Std[i], stdFloor);
                    scale[i] = 1 / std; offset[i] = -stats.Mean[i] / std;
                    break;
                case NormalizationMode.Quantile:
                    scale[i] = 2 / ((double)stats.Q99[i] - stats.Q01[i] + QuantileEps);
                    offset[i] = -1 - scale[i] * stats.Q01[i];
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
            }
        }
        return new Normalizer(mode, scale, offset);
    }

    /// <summary>Normalizes rows of <see cref="Dim"/> values in place.</summary>
    public void Normalize(Span<float> values)
    {
        CheckLength(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            int d = i % Dim;
            double y = values[i] * Scale[d] + Offset[d];
            values[i] = (float)(Clip ? Math.Clamp(y, -1, 1) : y);
        }
    }

    /// <summary>Inverts <see cref="Normalize(Span{float})"/> in place (exact up to rounding, within the clip range).</summary>
    public void Unnormalize(Span<float> values)
    {
        CheckLength(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            int d = i % Dim;
            values[i] = (float)((values[i] - Offset[d]) / Scale[d]);
        }
    }

    /// <summary>Normalizes a tensor whose last dimension is <see cref="Dim"/>.</summary>
    public Tensor Normalize(Tensor x)
    {
        using var s = torch.tensor(_scale32, device: x.device);
        using var o = torch.tensor(_offset32, device: x.device);
        var y = x * s + o;
        return Clip ? y.clamp_(-1, 1) : y;
    }

    /// <summary>Unnormalizes a tensor whose last dimension is <see cref="Dim"/>.</summary>
    public Tensor Unnormalize(Tensor y)
    {
        using var s = torch.tensor(_scale32, device: y.device);
        using var o = torch.tensor(_offset32, device: y.device);
        return (y - o) / s;
    }

    private void CheckLength(int n)
    {
        if (n % Dim != 0) throw new ArgumentException($"{n} values do not split into rows of {Dim}");
    }
}
