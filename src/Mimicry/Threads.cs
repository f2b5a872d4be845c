using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Mimicry;

/// <summary>
/// torch's CPU threads for calls of different sizes. A small acting call (batch 1 to a few episodes) gains nothing
/// from a second intra-op thread on a small U-Net and collapses when another process holds the cores (OpenMP's
/// threads spin at each barrier while the other job runs): beside a running quickstart, a DDPM-100 chunk of a
/// [64, 128, 256] U-Net took 3.98 s on one thread and more than 30 s on two (issue 24). So acting calls of batch
/// &lt;= <see cref="SmallBatch"/> run on one thread, and OpenMP waits passively unless the user says otherwise.
/// </summary>
public static class Threads
{
    /// <summary>Acting calls of at most this many rows run on one intra-op thread.</summary>
    public const int SmallBatch = 8;

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// OMP_WAIT_POLICY=PASSIVE in the native environment before libtorch's OpenMP starts (it reads it once), unless
    /// set already: idle threads sleep instead of spinning, which costs a busy machine's other jobs their cores.
    /// (.NET's Environment.SetEnvironmentVariable does not reach native code on Linux, so libc's setenv.)
    /// </summary>
    public static void ApplyProcessDefaults()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 }) return;
        SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE"); // so doctor reports what is in effect
    }

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
