namespace Mimicry.Tokenizers;

/// <summary>
/// k-means bins of whole action vectors (BeT's action discretizer: diffusion_policy/model/bet/action_ae/discretizers/k_means.py,
/// after minGPT's play_image notebook): centres start at k distinct random points, then 50 rounds of assign-to-nearest and
/// move-to-mean; a centre left without points is re-seeded at a random point. An action is its nearest centre plus an
/// offset (the residual), which BeT's head regresses.
/// </summary>
public sealed class KMeansBins
{
    /// <summary>Centres, k × D row-major.</summary>
    public float[] Centers { get; init; } = [];
    public int Dim { get; init; }
    [System.Text.Json.Serialization.JsonIgnore] public int Count => Dim == 0 ? 0 : Centers.Length / Dim;

    /// <summary>Fits k centres to N points (N × D row-major), seeded.</summary>
    public static KMeansBins Fit(float[] points, int dim, int k, int iterations = 50, int seed = 0)
    {
        int n = points.Length / dim;
        if (n < k) throw new ArgumentException($"k-means with {k} bins needs at least {k} actions, got {n}");
        var rng = new Random(seed);
        var centers = new float[k * dim];
        var start = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(k).ToArray(); // torch.randperm(N)[:k]
        for (int c = 0; c < k; c++) Array.Copy(points, start[c] * dim, centers, c * dim, dim);
        var assign = new int[n];
        var sums = new double[k * dim];
        var counts = new int[k];
        for (int it = 0; it < iterations; it++)
        {
            for (int i = 0; i < n; i++) assign[i] = Nearest(centers, k, dim, points.AsSpan(i * dim, dim));
            Array.Clear(sums);
            Array.Clear(counts);
            for (int i = 0; i < n; i++)
            {
                counts[assign[i]]++;
                for (int d = 0; d < dim; d++) sums[assign[i] * dim + d] += points[i * dim + d];
            }
            for (int c = 0; c < k; c++)
                if (counts[c] > 0) for (int d = 0; d < dim; d++) centers[c * dim + d] = (float)(sums[c * dim + d] / counts[c]);
                else Array.Copy(points, rng.Next(n) * dim, centers, c * dim, dim); // a dead centre: re-seeded
        }
        return new KMeansBins { Centers = centers, Dim = dim };
    }

    /// <summary>The index of the centre nearest to <paramref name="x"/> (squared Euclidean distance; the first on ties).</summary>
    public int Nearest(ReadOnlySpan<float> x) => Nearest(Centers, Count, Dim, x);

    private static int Nearest(float[] centers, int k, int dim, ReadOnlySpan<float> x)
    {
        int best = 0;
        double bestDistance = double.MaxValue;
        for (int c = 0; c < k; c++)
        {
            double s = 0;
            for (int d = 0; d < dim; d++) { double e = x[d] - centers[c * dim + d]; s += e * e; }
            if (s < bestDistance) { bestDistance = s; best = c; }
        }
        return best;
    }
}
