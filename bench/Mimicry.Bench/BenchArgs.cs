using System.Globalization;
using System.Text.Json;

namespace Mimicry.Bench;

/// <summary>"--key value" pairs, plus helpers to find the repository and write a result file.</summary>
public sealed class BenchArgs(Dictionary<string, string> values)
{
    public static BenchArgs Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}'");
            d[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "true";
        }
        return new BenchArgs(d);
    }

    public long Long(string key, long fallback) => values.TryGetValue(key, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public string String(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mimicry.slnx"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }
    }

    /// <summary>Writes the result as indented JSON (temp file + rename) and echoes it.</summary>
    public static void Write(string path, object result)
    {
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        Mimicry.IO.AtomicFile.WriteAllText(path, json);
        Console.WriteLine(json);
        Console.WriteLine($"wrote {path}");
    }
}
