namespace Mimicry.IO;

/// <summary>
/// Writes that never leave a half-written file or folder under the real name: the content goes to a
/// temporary sibling first and is renamed into place, so a crash keeps the previous version whole.
/// </summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> with a temporary path (same folder, same extension), then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path), dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>
    /// Calls <paramref name="write"/> with a fresh temporary folder, then swaps it in for <paramref name="dir"/>.
    /// On failure the temporary folder is removed and an existing <paramref name="dir"/> is kept (or put back).
    /// </summary>
    public static void WriteDirectory(string dir, Action<string> write)
    {
        dir = Path.GetFullPath(dir).TrimEnd('/');
        string tmp = dir + $".tmp-{Guid.NewGuid():N}", old = dir + $".old-{Guid.NewGuid():N}";
        Directory.CreateDirectory(tmp);
        try
        {
            write(tmp);
            if (Directory.Exists(dir)) Directory.Move(dir, old);
            Directory.Move(tmp, dir);
            if (Directory.Exists(old)) Directory.Delete(old, true);
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
            if (!Directory.Exists(dir) && Directory.Exists(old)) Directory.Move(old, dir);
            throw;
        }
    }
}
