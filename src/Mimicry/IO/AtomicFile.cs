namespace Mimicry.IO;

/// <summary>
/// Writes that never leave a half-written file or folder under the real name: the content goes to a
/// temporary sibling first, is flushed to disk, and is renamed into place, so a crash keeps the previous
/// version whole. A folder is swapped by two renames (the old one aside, the new one in); a crash between
/// them leaves the previous folder as <c>NAME.old-*</c>, which <see cref="Recover"/> puts back.
/// </summary>
public static class AtomicFile
{
    /// <summary>An output that is, or contains, an input would delete it when written: refused in one line.</summary>
    public static void EnsureNotInput(string output, string input)
    {
        string inFull = Path.GetFullPath(input).TrimEnd('/'), outFull = Path.GetFullPath(output).TrimEnd('/');
        if (inFull == outFull || inFull.StartsWith(outFull + "/", StringComparison.Ordinal))
            throw new ArgumentException($"{output} is or contains the input {input}: writing there would delete it; choose another OUT");
    }

    /// <summary>
    /// An output folder, checked before any work: not a file, created, and writable (a probe file is written and
    /// removed), so a long command cannot finish its work and then lose it to an unwritable --out.
    /// </summary>
    public static void EnsureWritableFolder(string dir, string option = "--out")
    {
        if (File.Exists(dir)) throw new IOException($"{option} {dir} is a file; give a folder");
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (UnauthorizedAccessException) { throw new IOException($"{option} {dir} is not writable by this user; choose another folder"); }
    }

    /// <summary>Calls <paramref name="write"/> with a temporary path (same folder, same extension), then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path), dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        try
        {
            write(tmp);
            Flush(tmp);
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
        string tmp = dir + $"{TmpInfix}{Guid.NewGuid():N}", old = dir + $"{OldInfix}{Guid.NewGuid():N}";
        Directory.CreateDirectory(tmp);
        try
        {
            write(tmp);
            foreach (var file in Directory.EnumerateFiles(tmp, "*", SearchOption.AllDirectories)) Flush(file);
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

    private const string TmpInfix = ".tmp-", OldInfix = ".old-";

    /// <summary>
    /// Cleans up after a crash in <see cref="WriteDirectory"/>: when <paramref name="dir"/> is missing but a
    /// previous version sits in <c>dir.old-*</c>, the newest is renamed back; then leftover temporary and
    /// old copies are deleted. Returns what it did (null: nothing to do), for the log.
    /// </summary>
    public static string? Recover(string dir)
    {
        dir = Path.GetFullPath(dir).TrimEnd('/');
        string? parent = Path.GetDirectoryName(dir);
        if (parent == null || !Directory.Exists(parent)) return null;
        string name = Path.GetFileName(dir);
        var olds = Directory.GetDirectories(parent, name + OldInfix + "*").OrderByDescending(Directory.GetLastWriteTimeUtc).ToList();
        var tmps = Directory.GetDirectories(parent, name + TmpInfix + "*");
        string? note = null;
        if (!Directory.Exists(dir) && olds.Count > 0)
        {
            Directory.Move(olds[0], dir);
            note = $"recovered {dir} from {Path.GetFileName(olds[0])} (a write was interrupted between its two renames)";
            olds.RemoveAt(0);
        }
        foreach (var d in olds.Concat(tmps)) Directory.Delete(d, true);
        if (note == null && olds.Count + tmps.Length > 0) note = $"removed {olds.Count + tmps.Length} unfinished cop{(olds.Count + tmps.Length == 1 ? "y" : "ies")} of {dir}";
        return note;
    }

    /// <summary>The newest complete previous version of <paramref name="dir"/> left by an interrupted swap, if any (read-only).</summary>
    public static string? Previous(string dir)
    {
        dir = Path.GetFullPath(dir).TrimEnd('/');
        string? parent = Path.GetDirectoryName(dir);
        if (parent == null || !Directory.Exists(parent)) return null;
        return Directory.GetDirectories(parent, Path.GetFileName(dir) + OldInfix + "*").OrderByDescending(Directory.GetLastWriteTimeUtc).FirstOrDefault();
    }

    /// <summary>Forces a file's contents to disk (fsync), so a rename never publishes data still in the page cache.</summary>
    private static void Flush(string file)
    {
        using var s = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        s.Flush(flushToDisk: true);
    }
}
