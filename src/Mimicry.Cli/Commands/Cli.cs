using System.Text.Json;

namespace Mimicry.Cli.Commands;

/// <summary>Helpers shared by the commands: locating the bundled data, parsing ranges, JSON output.</summary>
internal static class Cli
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The command line of this invocation, as a user would type it (recorded in reports).</summary>
    public static string CommandLine { get => Evaluation.Provenance.CommandLine; set => Evaluation.Provenance.CommandLine = value; }


    /// <summary>A path given by the user, or the bundled Push-T demonstrations when none was given.</summary>
    public static string ResolveData(string? given) => !string.IsNullOrEmpty(given) ? given : Envs.PushT.BundledPushT.Find();

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
        catch (Exception e) when (Environment.GetEnvironmentVariable("MIMICRY_TRACE") is null or "")
        {
            // Anything else is a bug: still one line, no .NET type or stack frame; the trace is one variable away.
            Console.Error.WriteLine($"error: unexpected failure: {OneLine(e.Message)} (a bug in Mimicry: MIMICRY_TRACE=1 shows where; please report it)");
            return 1;
        }
    }

    /// <summary>Comma-separated integers of an option, each checked: the option and the value named on failure.</summary>
    public static int[] Integers(string list, string option, int min = int.MinValue, int max = int.MaxValue) =>
        Items(list, option).Select(x => int.TryParse(x, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v
            : throw new ArgumentException($"{option}: '{x}' is not an integer in {min}..{max}")).ToArray();

    /// <summary>Comma-separated finite numbers of an option.</summary>
    public static double[] Numbers(string list, string option) =>
        Items(list, option).Select(x => double.TryParse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new ArgumentException($"{option}: '{x}' is not a finite number")).ToArray();

    private static string[] Items(string list, string option)
    {
        var items = list.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length == 0 || items.Any(i => i.Length == 0)) throw new ArgumentException($"{option}: '{list}' has an empty value");
        return items;
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
