using System.CommandLine;
using System.Text.Json;
using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Rendering;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry quickstart</c>: the README's main job. Today it checks the environment against the
/// human demonstrations (replays all of them from their reset seeds) and renders a few as a GIF;
/// it grows into train → evaluate → report as policies land.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht" };
        var output = new Option<string>("--out") { Description = "folder for the report and GIF", DefaultValueFactory = _ => "runs/quickstart" };
        var cmd = new Command("quickstart", "Main job: replay the Push-T demonstrations through the environment, render a GIF, write a report")
        { data, output };
        cmd.SetAction(r => Cli.Run(() => Run(Cli.ResolveData(r.GetValue(data)), r.GetValue(output)!)));
        return cmd;
    }

    private static int Run(string dataPath, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var demos = PushTReplayBuffer.Load(dataPath);
        Console.WriteLine($"loaded {demos.Episodes} demonstrations ({demos.Steps} steps) from {dataPath}");
        var results = new ReplayResult[demos.Episodes];
        int done = 0;
        Parallel.For(0, demos.Episodes, () => new PushTEnv(), (e, _, env) =>
        {
            results[e] = PushTReplay.Replay(demos, e, env);
            int n = Interlocked.Increment(ref done);
            if (n % 50 == 0 || n == demos.Episodes) Console.WriteLine($"  replayed {n}/{demos.Episodes} episodes");
            return env;
        }, env => env.Dispose());

        double worst = results.Max(r => r.MaxStateError);
        double meanCoverage = results.Average(r => r.MaxCoverage);
        int reached = results.Count(r => r.MaxCoverage > PushTGeometry.SuccessThreshold);
        string gif = Path.Combine(outDir, "demonstrations.gif");
        using (var env = new PushTEnv())
        using (var renderer = new PushTRenderer(192))
        using (var writer = new GifWriter(192, 192, PushTGeometry.ControlHz))
        {
            for (int e = 0; e < 3; e++) PushTReplay.Replay(demos, e, env, s => writer.Add(renderer.Render(s, drawAction: true)));
            writer.Save(gif);
        }
        var report = new
        {
            task = "pusht",
            data = dataPath,
            episodes = demos.Episodes,
            steps = demos.Steps,
            replay_max_state_error = worst,
            demo_mean_max_coverage = meanCoverage,
            demo_episodes_above_0_95 = reached,
            gif,
        };
        string reportPath = Path.Combine(outDir, "report.json");
        File.WriteAllText(reportPath + ".tmp", JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(reportPath + ".tmp", reportPath, true);
        Console.WriteLine($"replay: max deviation from the recorded states {worst:E2} over {demos.Steps} steps (acceptance 1e-3)");
        Console.WriteLine($"demonstrations: mean max coverage {meanCoverage:F3}, {reached}/{demos.Episodes} above 0.95");
        Console.WriteLine($"wrote {reportPath} and {gif}");
        return worst < 1e-3 ? 0 : 1;
    }
}
