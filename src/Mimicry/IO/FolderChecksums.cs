using System.Security.Cryptography;
using System.Text.Json;
using Mimicry.Training.Checkpoints;

namespace Mimicry.IO;

/// <summary>
/// A checksums file inside a folder Mimicry wrote (a dataset's <c>meta/checksums.json</c>, a checkpoint's
/// <c>checksums.json</c>): the SHA-256 of every other file, checked on load, so data that is not what
/// was written (flipped bytes, a truncated or replaced file, which parquet or safetensors alone may not
/// notice) is never used quietly. Folders written elsewhere (no checksums file) load as before.
/// </summary>
public sealed class FolderChecksums(string fileName)
{
    /// <summary>A dataset's: <c>meta/checksums.json</c>.</summary>
    public static readonly FolderChecksums Dataset = new("meta/checksums.json");
    /// <summary>A checkpoint's: <c>checksums.json</c>.</summary>
    public static readonly FolderChecksums Checkpoint = new("checksums.json");

    public string FileName { get; } = fileName;

    /// <summary>Records the hash of every file under <paramref name="root"/> (relative paths, '/' separators).</summary>
    public void Write(string root)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Files(root)) hashes[Relative(root, file)] = Hash(file);
        File.WriteAllText(Path.Combine(root, FileName), JsonSerializer.Serialize(hashes, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>One line per problem (a changed or missing file); empty when the dataset is as written, or has no checksums.</summary>
    public List<string> Check(string root)
    {
        string path = Path.Combine(root, FileName);
        var problems = new List<string>();
        if (!File.Exists(path)) return problems;
        Dictionary<string, string>? recorded;
        try { recorded = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)); }
        catch (JsonException e) { return [$"{path}: invalid JSON ({e.Message})"]; }
        if (recorded == null) return [$"{path}: empty"];
        foreach (var (rel, hash) in recorded)
        {
            string file = Path.Combine(root, rel);
            if (!File.Exists(file)) problems.Add($"{file}: missing (listed in {FileName})");
            else if (Hash(file) != hash)
                problems.Add($"{file}: contents changed since it was written (its SHA-256 differs from the one in {FileName}): the file was truncated, " +
                    "damaged or edited, or is being replaced by a run still writing it; restore it, or write it again (retrain the run, regenerate the data)");
        }
        return problems;
    }

    /// <summary>Files added after the dataset was written (not an error: a README may be added by hand).</summary>
    public List<string> Unrecorded(string root)
    {
        string path = Path.Combine(root, FileName);
        if (!File.Exists(path)) return [];
        try
        {
            var recorded = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [];
            return Files(root).Where(f => !recorded.ContainsKey(Relative(root, f))).ToList();
        }
        catch (JsonException) { return []; }
    }

    /// <summary>Throws on the first problem <see cref="Check"/> finds.</summary>
    public void Verify(string root)
    {
        var problems = Check(root);
        if (problems.Count > 0)
            throw new InvalidDataException($"{problems[0]}{(problems.Count > 1 ? $" (and {problems.Count - 1} more)" : "")}");
    }

    private IEnumerable<string> Files(string root) => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Where(f => Relative(root, f) != FileName).Order(StringComparer.Ordinal);

    private static string Relative(string root, string file) => Path.GetRelativePath(root, file).Replace('\\', '/');

    private static string Hash(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
