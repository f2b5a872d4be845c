namespace Mimicry.Data.Zarr;

/// <summary>A Zarr v2 group: a folder with <c>.zgroup</c>; arrays addressed by relative path ("data/action").</summary>
public sealed class ZarrGroup
{
    public string Path { get; }

    /// <summary>Whether a missing chunk file reads as the fill value (zarr's rule) instead of an error.</summary>
    public bool AllowMissingChunks { get; }

    private ZarrGroup(string path, bool allowMissingChunks) => (Path, AllowMissingChunks) = (path, allowMissingChunks);

    /// <param name="allowMissingChunks">Accept missing chunk files as zarr's fill value. Off by default: a
    /// demonstration set with a lost chunk would otherwise train on zeros without a word.</param>
    public static ZarrGroup Open(string path, bool allowMissingChunks = false)
    {
        if (File.Exists(path)) throw new IOException($"{path} is a file: a zarr store is a folder (.zgroup, arrays below it)");
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"Zarr store not found: {path}");
        if (!File.Exists(System.IO.Path.Combine(path, ".zgroup")))
            throw new InvalidDataException($"not a Zarr v2 group: {System.IO.Path.Combine(path, ".zgroup")} is missing");
        return new ZarrGroup(path, allowMissingChunks);
    }

    public bool Contains(string arrayPath) => File.Exists(System.IO.Path.Combine(Path, arrayPath, ".zarray"));

    public ZarrArray this[string arrayPath]
    {
        get
        {
            string dir = System.IO.Path.Combine(Path, arrayPath);
            if (!Contains(arrayPath)) throw new FileNotFoundException($"Zarr store {Path} has no array '{arrayPath}'", dir);
            var a = ZarrArray.Open(dir);
            a.AllowMissingChunks = AllowMissingChunks;
            return a;
        }
    }
}
