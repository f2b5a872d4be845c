namespace Mimicry.Numerics;

/// <summary>Small numeric helpers shared by statistics, reports and benchmarks.</summary>
public static class Statistics
{
    /// <summary>numpy's default ("linear") quantile of sorted values; 0 for none.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return 0;
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
