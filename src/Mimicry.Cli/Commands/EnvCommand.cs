using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mimicry.Envs.PushT;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry env reset|rollout --task pusht --seed N</c>: drive the environment from outside.</summary>
internal static class EnvCommand
{
    public static Command Create()
    {
        var cmd = new Command("env", "Reset or step an environment and print what it returns as JSON lines");
        cmd.Add(Reset());
        cmd.Add(Rollout());
        return cmd;
    }

    private static Option<string> TaskOption() => new Option<string>("--task") { Description = "task name", DefaultValueFactory = _ => "pusht" }.AcceptOnlyFromAmong("pusht");
    private static Option<long> SeedOption() => new("--seed") { Description = "reset seed (DP evaluates 100000-100049)", Required = true };

    private static Command Reset()
    {
        var task = TaskOption();
        var seed = SeedOption();
        var cmd = new Command("reset", "Print the observation after reset(seed) as one JSON line") { task, seed };
        cmd.SetAction(r => Cli.Run(() =>
        {
            using var env = new PushTEnv();
            env.Reset(r.GetValue(seed));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                state = env.State(),
                keypoints = env.Keypoints(),
                coverage = env.Coverage,
                block_pose = Pose(env),
            }, Cli.Json));
            return 0;
        }));
        return cmd;
    }

    private static Command Rollout()
    {
        var task = TaskOption();
        var seed = SeedOption();
        var actions = new Option<string>("--actions") { Description = "CSV file, one 'x,y' target per line", Required = true };
        var cmd = new Command("rollout", "Reset, apply each action of a CSV file, print one JSON line per action") { task, seed, actions };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var targets = ReadActions(r.GetValue(actions)!);
            using var env = new PushTEnv();
            env.Reset(r.GetValue(seed));
            foreach (var (x, y) in targets)
            {
                var step = env.Step(x, y);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    state = env.State(),
                    reward = step.Reward,
                    coverage = env.Coverage,
                    success = step.Success,
                    n_contacts = env.NContacts,
                }, Cli.Json));
            }
            return 0;
        }));
        return cmd;
    }

    private static double[] Pose(PushTEnv env) { var b = env.BlockPose; return [b.X, b.Y, b.Angle]; }

    /// <summary>Reads 'x,y' lines (blank lines and '#' comments skipped); errors name the file and line.</summary>
    internal static List<(double X, double Y)> ReadActions(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"actions file not found: {path}");
        var result = new List<(double, double)>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(',');
            if (parts.Length != 2
                || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double x)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double y))
                throw new FormatException($"{path}:{lineNo}: expected 'x,y', got '{line}'");
            if (!double.IsFinite(x) || !double.IsFinite(y))
                throw new FormatException($"{path}:{lineNo}: action must be finite, got '{line}'");
            if (Math.Abs(x) > Envs.PushT.PushTEnv.MaxAbsAction || Math.Abs(y) > Envs.PushT.PushTEnv.MaxAbsAction)
                throw new FormatException($"{path}:{lineNo}: action '{line}' is out of range (|value| <= {Envs.PushT.PushTEnv.MaxAbsAction:G}; the world is 512 pixels wide)");
            result.Add((x, y));
        }
        return result;
    }
}
