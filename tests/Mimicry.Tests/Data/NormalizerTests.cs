using CsCheck;
using Mimicry.Data;
using TorchSharp;
using Mimicry.Numerics;

namespace Mimicry.Tests.Data;

public class NormalizerTests
{
    private static FeatureStats StatsOf(float[] values, int dim) => FeatureStats.Compute(values, dim);

    [Fact]
    public void MinMax_maps_the_range_to_minus_one_one_and_shifts_constant_dims()
    {
        var s = StatsOf([0, 5, 10, 5, 20, 5], 2); // dim 0: 0..20, dim 1: constant 5
        var n = Normalizer.Create(s, NormalizationMode.MinMax);
        float[] x = [0, 5, 20, 5, 10, 5];
        n.Normalize(x);
        Assert.Equal(new float[] { -1, 0, 1, 0, 0, 0 }, x);
    }

    [Fact]
    public void Quantiles_match_numpy_linear_interpolation()
    {
        // np.quantile(np.arange(101.0), [0.01, 0.99]) == [1.0, 99.0]; np.quantile([0,10], 0.01) == 0.1
        var s = StatsOf(Enumerable.Range(0, 101).Select(i => (float)i).ToArray(), 1);
        Assert.Equal(1f, s.Q01[0], 5);
        Assert.Equal(99f, s.Q99[0], 5);
        Assert.Equal(0.1, Statistics.Quantile([0.0, 10.0], 0.01), 12);
        Assert.Equal(50f, s.Mean[0]);
        Assert.Equal(MathF.Sqrt(850), s.Std[0], 3); // population std of 0..100
    }

    [Theory]
    [InlineData(NormalizationMode.MinMax)]
    [InlineData(NormalizationMode.MeanStd)]
    [InlineData(NormalizationMode.Identity)]
    public void Normalize_then_unnormalize_is_the_identity(NormalizationMode mode)
    {
        Gen.Float[-1000f, 1000f].Array[8, 64].Sample(data =>
        {
            int dim = 4;
            var values = data.Take(data.Length / dim * dim).ToArray();
            var n = Normalizer.Create(StatsOf(values, dim), mode);
            var x = (float[])values.Clone();
            n.Normalize(x);
            n.Unnormalize(x);
            for (int i = 0; i < x.Length; i++)
                if (Math.Abs(x[i] - values[i]) > 1e-4 * (1 + Math.Abs(values[i]))) return false;
            return true;
        });
    }

    [Fact]
    public void Quantile_is_an_exact_inverse_inside_q01_q99_and_clips_outside()
    {
        Gen.Float[-1000f, 1000f].Array[200, 400].Sample(data =>
        {
            var s = StatsOf(data, 1);
            var n = Normalizer.Create(s, NormalizationMode.Quantile);
            var x = (float[])data.Clone();
            n.Normalize(x);
            // q01 → -1 and q99 → +1, worked by hand from the affine map 2 (x - q01) / (q99 - q01) - 1.
            var ends = new[] { s.Q01[0], s.Q99[0] };
            n.Normalize(ends);
            if (s.Q99[0] > s.Q01[0] && (Math.Abs(ends[0] + 1) > 1e-5 || Math.Abs(ends[1] - 1) > 1e-5)) return false;
            n.Unnormalize(x);
            for (int i = 0; i < x.Length; i++)
            {
                double expected = Math.Clamp(data[i], s.Q01[0], s.Q99[0]);
                if (Math.Abs(x[i] - expected) > 1e-3 * (1 + Math.Abs(expected))) return false;
            }
            return true;
        });
    }

    [Fact]
    public void Tensor_and_span_paths_agree()
    {
        var s = StatsOf([1, 2, 3, 40, 50, 60, 7, 8, 9], 3);
        var n = Normalizer.Create(s, NormalizationMode.MeanStd);
        float[] x = [5, 5, 5, 1, 2, 3];
        using var t = torch.tensor(x).reshape(2, 3);
        using var y = n.Normalize(t);
        n.Normalize(x);
        var fromTensor = y.data<float>().ToArray();
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i], fromTensor[i], 4);
        using var back = n.Unnormalize(y);
        Assert.Equal(5f, back[0, 0].item<float>(), 4);
    }
}
