using Mimicry.Runtime;
using System.CommandLine;
using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Data.Video;
using Mimicry.IO;
using Spectre.Console;
using Mimicry.Envs.PushT;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry dataset import|info</c>.</summary>
internal static class DatasetCommand
{
    public static Command Create()
    {
        var cmd = new Command("dataset", "Import, convert and inspect datasets (LeRobot v3.0 and v2.1 layouts)");
        cmd.Add(Import());
        cmd.Add(Info());
        cmd.Add(Generate());
        cmd.Add(Mix());
        cmd.Add(Verify());
        cmd.Add(Convert());
        return cmd;
    }

    private static Command Import()
    {
        var zarr = new Argument<string>("zarr") { Description = "Diffusion Policy Push-T replay buffer (zarr v2)" };
        var output = new Argument<string>("out") { Description = "dataset folder to create" };
        var images = new Option<bool>("--images") { Description = "include observation.image (needs data/img in the zarr)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace an existing dataset folder" };
        var missing = new Option<bool>("--allow-missing-chunks") { Description = "read missing zarr chunk files as the array's fill value (zarr's rule) instead of failing" };
        var format = FormatOption();
        var codec = VideoCodecOption();
        var cmd = new Command("import", "Convert the DP Push-T replay buffer into a LeRobot dataset (keypoints, state, rewards; optionally images)")
        { zarr, output, images, overwrite, missing, format, codec };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string src = r.GetValue(zarr)!, dst = r.GetValue(output)!;
            IO.AtomicFile.EnsureNotInput(dst, src);
            LeRobotDataset.CheckTarget(dst, r.GetValue(overwrite)); // before minutes of replay
            var probe = PushTReplayBuffer.Load(src, r.GetValue(missing));
            var dataset = Progress.Run("replaying episodes", probe.Episodes, p => PushTImport.FromZarr(src, r.GetValue(images), p, r.GetValue(missing)));
            Write(dataset, dst, PushTImport.RobotType, r.GetValue(overwrite), ParseFormat(r.GetValue(format)!), ParseCodec(r.GetValue(codec)!));
            Console.WriteLine($"wrote {dst}: {dataset.Episodes} episodes, {dataset.Frames} frames, features {string.Join(", ", dataset.Features.Select(f => f.Name))}");
            return 0;
        }));
        return cmd;
    }

    private static Command Generate()
    {
        var output = new Argument<string>("out") { Description = "dataset folder to create" };
        var task = new Option<string>("--task") { Description = "task with a scripted expert: fork, or stitch (the stitching toy's data: 40 % S→M→X, 40 % Y→M→G, 20 % S→Z)", DefaultValueFactory = _ => "fork" };
        var episodes = new Option<int>("--episodes") { Description = "demonstrations", DefaultValueFactory = _ => 200 };
        var seed = new Option<int>("--seed") { Description = "seed of starts and side choices", DefaultValueFactory = _ => 0 };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace an existing dataset folder" };
        var format = FormatOption();
        var cmd = new Command("generate", "Generate demonstrations with a scripted expert (fork: picks left or right at random)")
        { output, task, episodes, seed, overwrite, format };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string name = r.GetValue(task)!;
            if (name != Mimicry.Envs.Tasks.Fork && name != Mimicry.Envs.Tasks.Stitch) throw new ArgumentException($"--task {name}: only 'fork' and 'stitch' have a scripted expert");
            if (r.GetValue(episodes) < 1) throw new ArgumentException($"--episodes must be >= 1, got {r.GetValue(episodes)}");
            if (r.GetValue(seed) < 0) throw new ArgumentException($"--seed must be >= 0, got {r.GetValue(seed)}");
            int n = r.GetValue(episodes);
            var d = name == Mimicry.Envs.Tasks.Fork
                ? Mimicry.Envs.Fork.ForkExpert.Demonstrations(n, r.GetValue(seed))
                : Mimicry.Envs.Stitch.StitchData.Demonstrations(2 * n / 5, 2 * n / 5, n - 4 * n / 5, r.GetValue(seed));
            LeRobotDataset.Save(d, r.GetValue(output)!, Mimicry.Envs.Tasks.Get(name).RobotType, r.GetValue(overwrite), format: ParseFormat(r.GetValue(format)!));
            Console.WriteLine($"wrote {r.GetValue(output)}: {d.Episodes} episodes, {d.Frames} frames");
            return 0;
        }));
        return cmd;
    }

    private static Command Mix()
    {
        var output = new Argument<string>("out") { Description = "dataset folder to create" };
        var from = new Option<string>("--from") { Description = "the human Push-T demonstrations (a dataset folder from `dataset import`)", Required = true };
        var noise = new Option<string>("--noise") { Description = "std (pixels) of the noise added to replayed human actions, comma-separated; empty for none", DefaultValueFactory = _ => "5,10,25,50" };
        var noiseEpisodes = new Option<int>("--noise-episodes") { Description = "human episodes replayed per noise scale", DefaultValueFactory = _ => 40 };
        var truncate = new Option<string>("--truncate") { Description = "fractions of human episodes kept from the start, comma-separated; empty for none", DefaultValueFactory = _ => "0.25,0.5,0.75" };
        var truncateEpisodes = new Option<int>("--truncate-episodes") { Description = "episodes per fraction", DefaultValueFactory = _ => 30 };
        var policies = new Option<string[]>("--policy") { Description = "a trained Push-T run whose rollouts are added (repeatable), e.g. a BC run or an early checkpoint" };
        var policyEpisodes = new Option<int>("--policy-episodes") { Description = "rollouts per policy (environment seeds from 300000)", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "seed of noise and episode choice", DefaultValueFactory = _ => 0 };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace an existing dataset folder" };
        var format = FormatOption();
        var cmd = new Command("mix", "Mixed-quality Push-T demonstrations for return conditioning: the human episodes plus noisy replays, truncated episodes and policy rollouts, each labelled with its source and return (best reward)")
        { output, from, noise, noiseEpisodes, truncate, truncateEpisodes, policies, policyEpisodes, seed, overwrite, format };
        cmd.SetAction(r => Cli.Run(() =>
        {
            static double[] List(string text, string option) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => double.TryParse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v > 0 ? v
                    : throw new ArgumentException($"{option}: '{x}' is not a positive number")).ToArray();
            string dst = r.GetValue(output)!;
            IO.AtomicFile.EnsureNotInput(dst, r.GetValue(from)!);
            foreach (var run in r.GetValue(policies) ?? []) IO.AtomicFile.EnsureNotInput(dst, run);
            LeRobotDataset.CheckTarget(dst, r.GetValue(overwrite));
            var options = new Mimicry.Experiments.ReturnConditioning.MixOptions
            {
                NoiseScales = List(r.GetValue(noise)!, "--noise"), NoiseEpisodes = r.GetValue(noiseEpisodes),
                TruncateFractions = List(r.GetValue(truncate)!, "--truncate"), TruncateEpisodes = r.GetValue(truncateEpisodes),
                PolicyRuns = r.GetValue(policies) ?? [], PolicyEpisodes = r.GetValue(policyEpisodes), Seed = r.GetValue(seed),
            };
            if (options.NoiseEpisodes < 0 || options.TruncateEpisodes < 0 || options.PolicyEpisodes < 1) throw new ArgumentException("--noise-episodes and --truncate-episodes must be >= 0, --policy-episodes >= 1");
            if (options.TruncateFractions.Any(f => f >= 1)) throw new ArgumentException("--truncate: fractions must be below 1");
            var human = LeRobotDataset.Load(r.GetValue(from)!);
            var mixed = Mimicry.Experiments.ReturnConditioning.MixedQualityData.Build(human, options, Console.WriteLine);
            Progress.Run("writing parquet", mixed.Episodes, p => { LeRobotDataset.Save(mixed, dst, PushTImport.RobotType, r.GetValue(overwrite), p, ParseFormat(r.GetValue(format)!)); return 0; });
            Mimicry.Experiments.ReturnConditioning.MixedQualityData.DrawReturns(mixed, Path.Combine(dst, "returns.png"));
            foreach (var src in Mimicry.Experiments.ReturnConditioning.MixedQualityData.Sources(mixed))
                Console.WriteLine($"  {src.Name,-24} {src.Returns.Count,4} episodes, return mean {src.Returns.Average():F3}, ≥ 0.95: {src.Returns.Count(x => x >= 0.95)}");
            Console.WriteLine($"wrote {dst}: {mixed.Episodes} episodes, {mixed.Frames} frames; returns histogram {Path.Combine(dst, "returns.png")}");
            return 0;
        }));
        return cmd;
    }

    private static Option<string> FormatOption() =>
        new("--format") { Description = "LeRobot layout written: v3.0 (current LeRobot) or v2.1 (openpi's pinned LeRobot)", DefaultValueFactory = _ => "v3.0" };

    private static Option<string> VideoCodecOption() =>
        new("--video-codec") { Description = "how v3.0 stores images: av1 (LeRobot's default: libsvtav1, crf 30, g 2), h264, h264-lossless, or png (in the parquet files)", DefaultValueFactory = _ => "av1" };

    private static VideoCodec? ParseCodec(string text) => text == "png" ? null : VideoCodecs.Parse(text);

    /// <summary>Saves with a progress bar over the episodes written: once for the frames, once more per camera encoded.</summary>
    private static void Write(EpisodeDataset d, string dst, string robotType, bool overwrite, LeRobotFormat format, VideoCodec? codec)
    {
        int cameras = format == LeRobotFormat.V30 && codec != null ? d.Features.Count(f => f.IsImage) : 0;
        if (cameras > 0 && !Ffmpeg.Available) throw new FileNotFoundException($"writing {cameras} camera(s) as video needs ffmpeg (scripts/install-deps.sh), or --video-codec png");
        Progress.Run(cameras > 0 ? "writing parquet and video" : "writing parquet", d.Episodes * (1 + cameras), p => { LeRobotDataset.Save(d, dst, robotType, overwrite, p, format, codec); return 0; });
    }

    private static LeRobotFormat ParseFormat(string text) => text switch
    {
        "v3.0" or "v3" => LeRobotFormat.V30,
        "v2.1" or "v2" => LeRobotFormat.V21,
        _ => throw new ArgumentException($"--format/--to: '{text}' is not a layout Mimicry writes (v3.0 or v2.1)"),
    };

    /// <summary><c>mimicry dataset convert IN OUT --to v3.0|v2.1</c>: the same episodes, values and statistics in the other layout.</summary>
    private static Command Convert()
    {
        var input = new Argument<string>("in") { Description = "a LeRobot dataset folder (v2.x or v3.0)" };
        var output = new Argument<string>("out") { Description = "dataset folder to create" };
        var to = new Option<string>("--to") { Description = "layout to write: v3.0 or v2.1", DefaultValueFactory = _ => "v3.0" };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace an existing dataset folder" };
        var codec = VideoCodecOption();
        var cmd = new Command("convert", "Write a LeRobot dataset in another layout (v2.1 ↔ v3.0): the same episodes, values, labels and statistics") { input, output, to, overwrite, codec };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string src = r.GetValue(input)!, dst = r.GetValue(output)!;
            var format = ParseFormat(r.GetValue(to)!);
            IO.AtomicFile.EnsureNotInput(dst, src);
            LeRobotDataset.CheckTarget(dst, r.GetValue(overwrite));
            var d = Progress.Run("reading", 1, _ => LeRobotDataset.Load(src));
            Write(d, dst, d.RobotType ?? "", r.GetValue(overwrite), format, ParseCodec(r.GetValue(codec)!));
            Console.WriteLine($"wrote {dst} ({r.GetValue(to)}): {d.Episodes} episodes, {d.Frames} frames");
            return 0;
        }));
        return cmd;
    }

    private static Command Verify()
    {
        var dir = new Argument<string>("dir") { Description = "dataset folder" };
        var cmd = new Command("verify", "Check every file of a dataset against the checksums recorded when it was written, then load it") { dir };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string root = r.GetValue(dir)!;
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"dataset folder not found: {root}");
            if (!File.Exists(Path.Combine(root, FolderChecksums.Dataset.FileName)))
                Console.WriteLine($"{root}: no {FolderChecksums.Dataset.FileName} (written by another tool); checking that it loads");
            var problems = FolderChecksums.Dataset.Check(root);
            foreach (var p in problems) Console.Error.WriteLine($"error: {p}");
            foreach (var extra in FolderChecksums.Dataset.Unrecorded(root)) Console.WriteLine($"note: {extra} was added after the dataset was written");
            if (problems.Count > 0) return 1;
            var d = LeRobotDataset.Load(root);
            Console.WriteLine($"ok: {root}: {d.Episodes} episodes, {d.Frames} frames, every recorded file unchanged");
            return 0;
        }));
        return cmd;
    }

    private static Command Info()
    {
        var dir = new Argument<string>("dir") { Description = "dataset folder" };
        var cmd = new Command("info", "Print episodes, frames, fps, features and statistics") { dir };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var d = LeRobotDataset.Load(r.GetValue(dir)!);
            var lengths = Enumerable.Range(0, d.Episodes).Select(d.EpisodeLength).ToArray();
            Console.WriteLine($"dataset   {r.GetValue(dir)} (LeRobot {LeRobotLayout.ReadVersion(r.GetValue(dir)!)})");
            Console.WriteLine($"task      {d.Task}");
            Console.WriteLine($"episodes  {d.Episodes} (length min {lengths.Min()}, median {lengths.Order().ElementAt(lengths.Length / 2)}, max {lengths.Max()})");
            Console.WriteLine($"frames    {d.Frames}");
            Console.WriteLine($"fps       {d.Fps}");
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
            var table = new Table().AddColumns("feature", "dtype", "shape", "min", "max", "mean", "std");
            foreach (var f in d.Features)
            {
                var s = f.IsImage ? null : d.Stats?.Features.GetValueOrDefault(f.Name);
                string Fmt(float[]? v) => v == null ? "" : string.Join(" ", v.Take(3).Select(x => x.ToString("G4"))) + (v.Length > 3 ? " …" : "");
                table.AddRow(new[] { f.Name, d.IsVideo(f.Name) ? "video" : LeRobotLayout.DType(f.DType), $"[{string.Join(",", f.Shape)}]", Fmt(s?.Min), Fmt(s?.Max), Fmt(s?.Mean), Fmt(s?.Std) }
                    .Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)).ToArray());
            }
            AnsiConsole.Write(table);
            if (d.Has(FeatureKeys.Reward))
            {
                // Episode returns (best reward per episode), per source when the dataset was mixed.
                var returns = new Table().AddColumns("source", "episodes", "return mean", "min", "median", "max", "≥ 0.95");
                foreach (var src in Mimicry.Experiments.ReturnConditioning.MixedQualityData.Sources(d))
                {
                    var v = src.Returns.Order().ToArray();
                    returns.AddRow(src.Name, $"{v.Length}", $"{v.Average():F3}", $"{v[0]:F3}", $"{v[v.Length / 2]:F3}", $"{v[^1]:F3}", $"{v.Count(x => x >= 0.95)}");
                }
                AnsiConsole.Write(returns);
            }
            return 0;
        }));
        return cmd;
    }
}
