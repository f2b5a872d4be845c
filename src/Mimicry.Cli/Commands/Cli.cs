using System.Text.Json;

namespace Mimicry.Cli.Commands;

/// <summary>Helpers shared by the commands: locating the bundled data, parsing ranges, JSON output.</summary>
internal static class Cli
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The command line of this invocation, as a user would type it (recorded in reports).</summary>
    public static string CommandLine { get => Evaluation.Provenance.CommandLine; set => Evaluation.Provenance.CommandLine = value; }

    /// <summary>The Push-T demonstrations committed with the project (low-dimensional arrays only).</summary>
    public const string BundledPushT = "data/pusht/pusht_cchi_v7_replay.zarr";

    /// <summary>Resolves a path given by the user, or the bundled Push-T data when none was given:
    /// relative to the working directory first, then to the folders above the executable.</summary>
    public static string ResolveData(string? given)
    {
        if (!string.IsNullOrEmpty(given)) return given;
        if (Directory.Exists(BundledPushT)) return BundledPushT;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, BundledPushT);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no dataset given and the bundled {BundledPushT} was not found; pass a path");
    }

    /// <summary>Parses "a-b", "a" or "a,b,c" into a sorted list of indices within [0, count).</summary>
    public static List<int> ParseRange(string? text, int count)
    {
        if (string.IsNullOrWhiteSpace(text)) return Enumerable.Range(0, count).ToList();
        var result = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-');
            if (bounds.Length > 2 || !int.TryParse(bounds[0], out int a) || (bounds.Length == 2 && !int.TryParse(bounds[1], out _)))
                throw new ArgumentException($"--episodes: '{part}' is not an index or a range a-b");
            int b = bounds.Length == 2 ? int.Parse(bounds[1]) : a;
            if (a > b) throw new ArgumentException($"--episodes: '{part}' is reversed; write {b}-{a}");
            if (a < 0 || b >= count) throw new ArgumentException($"--episodes: '{part}' is outside 0-{count - 1}");
            for (int i = a; i <= b; i++) result.Add(i);
        }
        return result.ToList();
    }

    /// <summary>Runs a command body, turning expected failures into one clear line on stderr and exit code 1.</summary>
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (Expected(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e) is { } known)
        {
            Console.Error.WriteLine($"error: {OneLine(known.Message)}");
            return 1;
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (Environment.GetEnvironmentVariable("MIMICRY_TRACE") is null or "")
        {
            // libtorch's errors (a device that refuses, CUDA out of memory): its first line says what; the C++ trace follows it.
            string first = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? e.GetType().Name;
            Console.Error.WriteLine($"error: libtorch: {first} (MIMICRY_TRACE=1 shows the trace)");
            return 1;
        }
    }

    /// <summary>The failures a user can cause and fix (bad input, files, settings); anything else is a bug and keeps its trace.</summary>
    private static Exception? Expected(Exception e) =>
        e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or FormatException
            or KeyNotFoundException or DllNotFoundException or Training.TrainingDivergedException ? e : null;

    /// <summary>.NET appends "(Parameter 'x')" and "Actual value was ..." on extra lines; a user needs one line.</summary>
    private static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" ", lines).Replace(" (Parameter 'action')", "");
    }
}
