using System.CommandLine;
using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Rendering;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry render [zarr] --episode k --out file.gif</c>: an episode's recorded states as a GIF.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var zarr = new Argument<string?>("zarr") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht", Arity = ArgumentArity.ZeroOrOne };
        var episode = new Option<int>("--episode") { Description = "episode index", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "GIF to write (or .png: one frame, see --step)", DefaultValueFactory = _ => "episode.gif" };
        var step = new Option<int>("--step") { Description = "with a .png output: the step to draw", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "frame size in pixels", DefaultValueFactory = _ => 256 };
        var cmd = new Command("render", "Render an episode's recorded states (goal, block, agent, action marker) as an animated GIF")
        { zarr, episode, output, size, step };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var demos = PushTReplayBuffer.Load(Cli.ResolveData(r.GetValue(zarr)));
            int e = r.GetValue(episode);
            if (e < 0 || e >= demos.Episodes) throw new ArgumentException($"--episode {e} is outside 0-{demos.Episodes - 1}");
            int n = r.GetValue(size);
            using var renderer = new PushTRenderer(n);
            long start = demos.EpisodeStart(e);
            var state = new double[5];
            string path = r.GetValue(output)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".gif", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out {path}: write a .gif (the episode) or a .png (one step)");
            if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                int t = r.GetValue(step);
                if (t < 0 || t >= demos.EpisodeLength(e)) throw new ArgumentException($"--step {t} is outside 0-{demos.EpisodeLength(e) - 1}");
                for (int i = 0; i < 5; i++) state[i] = demos.State[(start + t) * 5 + i];
                var bmp = renderer.Render(state, (demos.Action[(start + t) * 2], demos.Action[(start + t) * 2 + 1]));
                Png.Save(bmp, path);
                Console.WriteLine($"wrote {path}");
                return 0;
            }
            using var writer = new GifWriter(n, n, PushTGeometry.ControlHz);
            for (long t = start; t < demos.EpisodeEnds[e]; t++)
            {
                for (int i = 0; i < 5; i++) state[i] = demos.State[t * 5 + i];
                writer.Add(renderer.Render(state, (demos.Action[t * 2], demos.Action[t * 2 + 1])));
            }
            writer.Save(path);
            Console.WriteLine($"wrote {path} ({writer.FrameCount} frames)");
            return 0;
        }));
        return cmd;
    }
}
