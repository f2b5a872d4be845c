using Mimicry.Evaluation;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Experiments.Compare;

/// <summary>
/// The machine's float32 matrix-multiply throughput through TorchSharp at the current thread count: the best
/// of <c>repeats</c> n×n by n×n products (2n³ FLOPs each). A training step's FLOPs per second as a fraction of
/// it says how well a policy uses the machine, and compares across machines. The reference bench's probe is
/// the same product (../shared/reference-bench: a 1024³ sgemm).
/// </summary>
public static class MatmulPeak
{
    public static double Gflops(int n = 1024, int repeats = 10, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(n, n, device: device);
        var b = torch.randn(n, n, device: device);
        for (int i = 0; i < 2; i++) torch.mm(a, b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = torch.mm(a, b);
            _ = c[0, 0].item<float>(); // waits for the product (on an asynchronous device too)
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
