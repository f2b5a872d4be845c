namespace Mimicry.Data.Zarr;

/// <summary>A Zarr v2 group: a folder with <c>.zgroup</c>; arrays addressed by relative path ("data/action").</summary>
public sealed class ZarrGroup
{
    public string Path { get; }

    private ZarrGroup(string path) => Path = path;

    public static ZarrGroup Open(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"Zarr store not found: {path}");
        if (!File.Exists(System.IO.Path.Combine(path, ".zgroup")))
            throw new InvalidDataException($"not a Zarr v2 group: {System.IO.Path.Combine(path, ".zgroup")} is missing");
        return new ZarrGroup(path);
    }

    public bool Contains(string arrayPath) => File.Exists(System.IO.Path.Combine(Path, arrayPath, ".zarray"));

    public ZarrArray this[string arrayPath]
    {
        get
        {
            string dir = System.IO.Path.Combine(Path, arrayPath);
            if (!Contains(arrayPath)) throw new FileNotFoundException($"Zarr store {Path} has no array '{arrayPath}'", dir);
            return ZarrArray.Open(dir);
        }
    }
}
