namespace Mimicry.Training.Checkpoints;

/// <summary>
/// An exclusive lock on a run folder (<c>RUN/.lock</c>, an OS file lock released when the process ends,
/// even on kill -9), so two trainings never write the same run: the second is refused with one line.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public static RunLock Acquire(string runDir)
    {
        Directory.CreateDirectory(runDir);
        string path = Path.Combine(runDir, ".lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var w = new StreamWriter(stream, leaveOpen: true)) w.Write(Environment.ProcessId);
            stream.Flush();
            return new RunLock(stream);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string owner;
            try { owner = $" (pid {File.ReadAllText(path).Trim()})"; }
            catch (IOException) { owner = ""; }
            throw new IOException($"{runDir} is being written by another training{owner}: wait for it to finish, or train into another --out", e);
        }
    }

    /// <summary>Whether a training holds <paramref name="runDir"/> now (its checkpoint may be mid-swap).</summary>
    public static bool IsHeld(string runDir)
    {
        string path = Path.Combine(runDir, ".lock");
        if (!File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException) { return true; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public void Dispose() => _stream.Dispose();
}
