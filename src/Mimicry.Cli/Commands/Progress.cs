using Spectre.Console;

namespace Mimicry.Cli.Commands;

/// <summary>Progress for long work: a Spectre.Console bar on a terminal, plain log lines (every 10%) otherwise.</summary>
internal static class Progress
{
    /// <summary>Whether a live progress bar can be drawn (an interactive terminal, not a pipe or a log file).</summary>
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>The progress bar every command uses: description, bar, percentage, time left, spinner.</summary>
    public static Spectre.Console.Progress Bar() => AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn());

    /// <summary>This progress as the library's display.</summary>
    public static readonly Runtime.IProgressDisplay Display = new ConsoleDisplay();

    private sealed class ConsoleDisplay : Runtime.IProgressDisplay
    {
        public T Run<T>(string description, int total, Func<IProgress<int>, T> work) => Progress.Run(description, total, work);
    }

    public static T Run<T>(string description, int total, Func<IProgress<int>, T> work)
    {
        if (Interactive)
        {
            return Bar().Start(ctx =>
                {
                    var task = ctx.AddTask(description, maxValue: total);
                    return work(new Progress<int>(done => task.Value = done));
                });
        }
        int lastDecile = -1;
        var gate = new object();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        Console.WriteLine($"{description}: 0/{total}");
        return work(new SyncProgress(done =>
        {
            lock (gate)
            {
                // A line per tenth, and at least one every 10 s: a long tenth is not a silent one.
                int decile = (int)(10L * done / Math.Max(1, total));
                if ((decile > lastDecile && decile > 0) || clock.Elapsed - lastLine >= TimeSpan.FromSeconds(10))
                {
                    lastDecile = Math.Max(lastDecile, decile);
                    lastLine = clock.Elapsed;
                    Console.WriteLine($"{description}: {done}/{total}");
                }
            }
        }));
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, out of order).</summary>
    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
