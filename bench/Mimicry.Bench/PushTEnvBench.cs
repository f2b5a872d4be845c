using System.Diagnostics;
using System.Globalization;
using Mimicry.Envs.PushT;

namespace Mimicry.Bench;

/// <summary>
/// Push-T steps per second: Mimicry's environment (physics only, and full steps with validation and
/// the coverage reward) on one thread and on all cores, beside a bare C loop doing the same Chipmunk
/// calls (native/pusht_loop.c, compiled here with the system C compiler). The two physics loops
/// run the same resets and targets and must end in bit-identical poses (checksum).
/// </summary>
public static class PushTEnvBench
{
    public static int Run(BenchArgs args)
    {
        long actions = args.Long("actions", 200_000);
        const long episodeLength = 300;
        int cores = Environment.ProcessorCount;
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "pusht-env.json"));

        int repeats = (int)args.Long("repeats", 3);
        string cLoop = CompileCLoop();
        Loop(actions / 20, episodeLength, full: true); // JIT warm-up

        // This VM's speed drifts for minutes at a time: interleave the two sides, several repeats, best of.
        double c1 = 0, cAll = 0, physics1 = 0, full1 = 0, physicsAll = 0, fullAll = 0, cChecksum = 0, csChecksum = 0;
        for (int r = 0; r < repeats; r++)
        {
            var c = RunC(cLoop, actions, episodeLength);
            var cs = Timed(() => Loop(actions, episodeLength, full: false), actions);
            (c1, cChecksum, physics1, csChecksum) = (Math.Max(c1, c.PerSecond), c.Checksum, Math.Max(physics1, cs.PerSecond), cs.Checksum);
            full1 = Math.Max(full1, Timed(() => Loop(actions, episodeLength, full: true), actions).PerSecond);
            cAll = Math.Max(cAll, RunCParallel(cLoop, actions, episodeLength, cores));
            physicsAll = Math.Max(physicsAll, Parallel(actions, episodeLength, cores, full: false));
            fullAll = Math.Max(fullAll, Parallel(actions, episodeLength, cores, full: true));
        }

        BenchArgs.Write(output, new
        {
            bench = "pusht-env",
            date = DateTime.UtcNow.ToString("u"),
            cores,
            actions_per_run = actions,
            repeats_best_of = repeats,
            substeps_per_action = PushTGeometry.Substeps,
            c_loop_actions_per_s_1_thread = Math.Round(c1),
            csharp_physics_actions_per_s_1_thread = Math.Round(physics1),
            csharp_full_step_actions_per_s_1_thread = Math.Round(full1),
            ratio_physics_csharp_to_c_1_thread = Math.Round(physics1 / c1, 3),
            ratio_full_step_csharp_to_c_1_thread = Math.Round(full1 / c1, 3),
            c_loop_actions_per_s_all_cores = Math.Round(cAll),
            csharp_physics_actions_per_s_all_cores = Math.Round(physicsAll),
            csharp_full_step_actions_per_s_all_cores = Math.Round(fullAll),
            ratio_physics_csharp_to_c_all_cores = Math.Round(physicsAll / cAll, 3),
            ratio_full_step_csharp_to_c_all_cores = Math.Round(fullAll / cAll, 3),
            bit_identical_final_poses = cChecksum == csChecksum,
            note = "full step = input validation + 10 PD substeps + NetTopologySuite coverage reward; the C loop has no reward",
        });
        return cChecksum == csChecksum ? 0 : 1;
    }

    /// <summary>The same resets and targets as pusht_loop.c.</summary>
    private static double Loop(long actions, long len, bool full)
    {
        using var env = new PushTEnv();
        double checksum = 0;
        for (long i = 0; i < actions; i++)
        {
            if (i % len == 0)
            {
                if (i > 0) { var b = env.BlockPose; checksum += b.X + b.Y + b.Angle; }
                long e = i / len;
                env.ResetToState(100 + (e * 37) % 300, 100 + (e * 53) % 300, 150 + (e * 41) % 200, 150 + (e * 29) % 200, (e % 13) * 0.5);
            }
            double tx = 256 + 150 * Math.Cos(0.05 * i), ty = 256 + 150 * Math.Sin(0.07 * i);
            if (full) env.Step(tx, ty); else env.StepPhysics(tx, ty);
        }
        var p = env.BlockPose;
        return checksum + p.X + p.Y + p.Angle;
    }

    private static (double PerSecond, double Checksum) Timed(Func<double> body, long actions)
    {
        var sw = Stopwatch.StartNew();
        double checksum = body();
        return (actions / sw.Elapsed.TotalSeconds, checksum);
    }

    private static double Parallel(long actions, long len, int threads, bool full)
    {
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() => Loop(actions, len, full), TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(tasks);
        return threads * actions / sw.Elapsed.TotalSeconds;
    }

    private static string CompileCLoop()
    {
        string source = Path.Combine(BenchArgs.RepoRoot, "bench", "Mimicry.Bench", "native", "pusht_loop.c");
        string exe = Path.Combine(Path.GetTempPath(), "mimicry-pusht-loop");
        var psi = new ProcessStartInfo("cc", ["-O2", "-o", exe, source, "-lchipmunk", "-lm"]) { RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start cc");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"cc failed (install libchipmunk-dev and a C compiler):\n{err}");
        return exe;
    }

    private static (double PerSecond, double Checksum) RunC(string exe, long actions, long len)
    {
        var psi = new ProcessStartInfo(exe, [actions.ToString(), len.ToString()]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        var parts = lines[^1].Split(' '); // Debian's debug Chipmunk prints a banner first
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>n copies of the C loop at once; each times its own loop, so process start-up is not counted (the sum of their rates).</summary>
    private static double RunCParallel(string exe, long actions, long len, int n)
    {
        var tasks = Enumerable.Range(0, n).Select(_ => Task.Factory.StartNew(() => RunC(exe, actions, len), TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(tasks);
        return tasks.Sum(t => t.Result.PerSecond);
    }
}
