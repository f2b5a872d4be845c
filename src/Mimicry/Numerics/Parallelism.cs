using System.Runtime.ExceptionServices;

namespace Mimicry.Numerics;

/// <summary>Parallel loops that surface the first failure as itself, not wrapped in an AggregateException,
/// so a user sees the message that names the file or episode.</summary>
internal static class Parallelism
{
    public static void For(int fromInclusive, int toExclusive, Action<int> body, int? maxThreads = null) => Unwrapped(() =>
        Parallel.For(fromInclusive, toExclusive, new ParallelOptions { MaxDegreeOfParallelism = maxThreads ?? Environment.ProcessorCount }, body));

    /// <summary>A parallel loop with one <typeparamref name="TLocal"/> per worker (e.g. an environment), disposed at the end.</summary>
    public static void For<TLocal>(int fromInclusive, int toExclusive, Func<TLocal> create, Action<int, TLocal> body) where TLocal : IDisposable => Unwrapped(() =>
        Parallel.For(fromInclusive, toExclusive, create, (i, _, local) => { body(i, local); return local; }, local => local.Dispose()));

    public static void ForEach<T>(IEnumerable<T> items, Action<T> body) => Unwrapped(() => Parallel.ForEach(items, body));

    private static void Unwrapped(Action loop)
    {
        try { loop(); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions[0]).Throw();
            throw; // unreachable
        }
    }
}
