using static TorchSharp.torch;

namespace Mimicry.Numerics;

/// <summary>
/// torch's CPU threads for calls of different sizes. A small acting call (batch 1 to a few episodes) gains nothing
/// from a second intra-op thread on a small U-Net and collapses when another process holds the cores (OpenMP's
/// threads spin at each barrier while the other job runs): beside a running quickstart, a DDPM-100 chunk of a
/// [64, 128, 256] U-Net took 3.98 s on one thread and more than 30 s on two (issue 24). So acting calls of batch
/// &lt;= <see cref="SmallBatch"/> run on one thread. Measured (DDPM-100 chunks of the [32, 64, 128] U-Net, <c>eval --max-steps 48</c>):
/// alone, 8 envs on one thread 663 ms p50 and 9 envs on two 717 ms; beside a training job, 770 ms against 3,222 ms
/// (p95 1.1 s against 8.8 s). OpenMP's waiting is left as libgomp's default: OMP_WAIT_POLICY=PASSIVE
/// (threads sleep at once) halved the training step of the [32, 64, 128] U-Net on 2 cores (5.5 against 11.6 steps/s,
/// bench train-step), so it is the user's choice for a machine shared with other jobs; <c>doctor</c> prints it.
/// </summary>
public static class Threads
{
    /// <summary>Acting calls of at most this many rows run on one intra-op thread.</summary>
    public const int SmallBatch = 8;

    /// <summary>Runs the calls made until disposal on one intra-op thread when <paramref name="batch"/> is small; restores the count after.</summary>
    public static IDisposable ForBatch(long batch)
    {
        int current = get_num_threads();
        if (batch > SmallBatch || current <= 1) return NoChange.Instance;
        set_num_threads(1);
        return new Restore(current);
    }

    private sealed class NoChange : IDisposable
    {
        public static readonly NoChange Instance = new();
        public void Dispose() { }
    }

    private sealed class Restore(int threads) : IDisposable
    {
        public void Dispose() => set_num_threads(threads);
    }
}
