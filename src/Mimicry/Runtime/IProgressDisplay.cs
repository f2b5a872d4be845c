namespace Mimicry.Runtime;

/// <summary>How long work shows its progress: the CLI draws a bar (or log lines); a library caller may show nothing.</summary>
public interface IProgressDisplay
{
    /// <summary>Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> units are done.</summary>
    T Run<T>(string description, int total, Func<IProgress<int>, T> work);
}

/// <summary>Shows nothing.</summary>
public sealed class NoProgress : IProgressDisplay
{
    public static readonly NoProgress Instance = new();

    public T Run<T>(string description, int total, Func<IProgress<int>, T> work) => work(new Progress<int>());
}
