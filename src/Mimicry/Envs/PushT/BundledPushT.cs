namespace Mimicry.Envs.PushT;

/// <summary>The Push-T demonstrations committed with the project (low-dimensional arrays only; data/pusht/NOTICE).</summary>
public static class BundledPushT
{
    public const string RelativePath = "data/pusht/pusht_cchi_v7_replay.zarr";

    /// <summary>The bundled store: in the working folder or a folder above it, else above the executable's folder.</summary>
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException($"the bundled Push-T demonstrations ({RelativePath}) were found neither above the working folder nor above the program's; give a dataset path");
    }
}
