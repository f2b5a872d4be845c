using System.CommandLine;
using Mimicry.Runtime;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry doctor</c>: what this machine gives Mimicry (libtorch, CUDA, threads, system libraries).</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var cmd = new Command("doctor", "Show which libtorch runs, the CUDA devices (or why there are none), torch's threads and the system libraries");
        cmd.SetAction(_ => Cli.Run(() =>
        {
            var lines = Doctor.Check();
            int width = lines.Max(l => l.What.Length);
            foreach (var l in lines) Console.WriteLine($"{(l.Ok ? "ok " : "-- ")} {l.What.PadRight(width)}  {l.Found}");
            return 0;
        }));
        return cmd;
    }
}
