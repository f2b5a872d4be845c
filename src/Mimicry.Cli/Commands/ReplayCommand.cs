using System.CommandLine;
using System.Text.Json;
using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Rendering;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry replay [zarr] [--episodes a-b] [--gif out.gif] [--json]</c>.</summary>
internal static class ReplayCommand
{
    public const int MaxGifEpisodes = 10;

    public static Command Create()
    {
        var zarr = new Argument<string?>("zarr") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht", Arity = ArgumentArity.ZeroOrOne };
        var episodes = new Option<string?>("--episodes") { Description = "episodes to replay: 'a-b', 'a' or 'a,b,c' (default: all)" };
        var gif = new Option<string?>("--gif") { Description = $"write the replay of the first {MaxGifEpisodes} selected episodes as an animated GIF" };
        var size = new Option<int>("--size") { Description = "GIF frame size in pixels", DefaultValueFactory = _ => 256 };
        var json = new Option<bool>("--json") { Description = "one JSON line per episode, then a summary line" };
        var cmd = new Command("replay", "Replay recorded Push-T actions from each episode's reset seed and report the deviation from the recorded states")
        { zarr, episodes, gif, size, json };
        cmd.SetAction(r => Cli.Run(() => Run(Cli.ResolveData(r.GetValue(zarr)), r.GetValue(episodes), r.GetValue(gif), r.GetValue(size), r.GetValue(json))));
        return cmd;
    }

    private static int Run(string path, string? episodeText, string? gifPath, int size, bool json)
    {
        var demos = PushTReplayBuffer.Load(path);
        var selected = Cli.ParseRange(episodeText, demos.Episodes);
        var results = PushTReplay.ReplayAll(demos, selected);

        double worst = 0;
        foreach (var r in results)
        {
            worst = Math.Max(worst, r.MaxStateError);
            Console.WriteLine(json
                ? JsonSerializer.Serialize(new { episode = r.Episode, steps = r.Steps, max_state_error = r.MaxStateError, max_coverage = r.MaxCoverage }, Cli.Json)
                : $"episode {r.Episode,3}: {r.Steps,3} steps, max state error {r.MaxStateError:E2}, max coverage {r.MaxCoverage:F3}");
        }
        Console.WriteLine(json
            ? JsonSerializer.Serialize(new { episodes = results.Length, max_state_error = worst }, Cli.Json)
            : $"{results.Length} episodes, {results.Sum(r => r.Steps)} steps: max state error {worst:E3}");

        if (gifPath != null)
        {
            int frames = PushTReplay.WriteGif(demos, selected.Take(MaxGifEpisodes), gifPath, size);
            Console.Error.WriteLine($"wrote {gifPath} ({frames} frames)");
        }
        return 0;
    }
}
