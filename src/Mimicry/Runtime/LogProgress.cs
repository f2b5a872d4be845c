using System.Diagnostics;

namespace Mimicry.Runtime;

/// <summary>Progress as log lines, at most one per <c>every</c> (and one at the end): long work inside a command that logs.</summary>
public sealed class LogProgress(Action<string> log, TimeSpan every) : IProgressDisplay
{
    public T Run<T>(string description, int total, Func<IProgress<int>, T> work)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var result = work(new Reporter(done =>
        {
            if (clock.Elapsed - last < every) return;
            last = clock.Elapsed;
            log($"  {description}: {done}/{total} after {clock.Elapsed.TotalSeconds:F0} s");
        }));
        return result;
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, out of order).</summary>
    private sealed class Reporter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
