using Mimicry.Runtime;
using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Data.Sampling;
using Mimicry.Data.Video;
using TorchSharp;

namespace Mimicry.Bench;

/// <summary>
/// Decoding a LeRobot v3.0 camera video (Push-T's 96x96 AV1 from <c>mimicry dataset import ZARR DIR --images</c>): frames/s
/// sequentially and at random timestamps, Mimicry's decoder beside the ffmpeg command line on the same file, per-episode
/// decoding as the loader does it, and the loader's batches/s with images at batch 64 (DP's image window: 2 images and
/// states, 16 actions), cold (decoding) and warm (cached), beside the same frames held in memory.
///   dotnet run -c Release --project bench/Mimicry.Bench -- video --dataset DIR [--random 200] [--batches 100] [--batch 64]
/// </summary>
public static class VideoBench
{
    public static int Run(BenchArgs args)
    {
        string root = args.String("dataset", "");
        if (root == "") { Console.Error.WriteLine("--dataset DIR: a v3.0 dataset with a video feature (mimicry dataset import ZARR DIR --images)"); return 2; }
        int randomFrames = (int)args.Long("random", 200), batches = (int)args.Long("batches", 100), batchSize = (int)args.Long("batch", 64);
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "video.json"));
        var d = LeRobotDataset.Load(root);
        var key = d.Features.First(f => f.IsImage && d.IsVideo(f.Name)).Name;
        var frames = (VideoFrames)d.ImageSource(key);
        string file = frames.Episodes[0].Path;
        var probe = VideoProbe.Of(file);
        long n = probe.Frames;
        Console.WriteLine($"{file}: {probe.Codec} {probe.Width}x{probe.Height} {probe.PixelFormat}, {n} frames");

        // 1. Sequential: the whole file, ours vs the ffmpeg command line (same decoder threads).
        double ours = Measure.BestOf(3, 1, () => VideoDecoder.Decode(file, 0, (int)n, probe.Width, probe.Height, probe.Fps));
        double cli1 = Measure.BestOf(3, 1, () => Cli(["-threads", "1", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null"]));
        double cliAuto = Measure.BestOf(3, 1, () => Cli(["-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null"]));

        // 2. Random access: single frames at seeded random timestamps.
        var rng = new Random(0);
        var times = Enumerable.Range(0, randomFrames).Select(_ => rng.NextInt64(n) / probe.Fps).ToArray();
        var sw = Stopwatch.StartNew();
        foreach (var t in times) VideoDecoder.Decode(file, t, 1, probe.Width, probe.Height, probe.Fps);
        double oursRandom = sw.Elapsed.TotalSeconds;
        sw.Restart();
        foreach (var t in times)
            Cli(["-ss", Math.Max(0, t - 0.05).ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), "-threads", "1", "-i", file,
                "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null"]);
        double cliRandom = sw.Elapsed.TotalSeconds;

        // 3. Every episode decoded on its own (the loader's unit), all workers busy, nothing cached.
        var cold = Reload(root, key);
        sw.Restart();
        Parallel.For(0, d.Episodes, e => cold.Episode(e));
        double perEpisode = sw.Elapsed.TotalSeconds;

        // 4. The loader at batch 64: cold (decoding ahead), warm (cached), and from memory.
        var window = new WindowConfig(2, 16, 8).Spec(new InputFeature(FeatureKeys.State, 0, 2), new InputFeature(key, 0, 2), new InputFeature(FeatureKeys.Action, 0, 16));
        var norms = new Dictionary<string, Normalizer>
        {
            [FeatureKeys.State] = Normalizer.Create(d.Stats![FeatureKeys.State], NormalizationMode.MinMax),
            [FeatureKeys.Action] = Normalizer.Create(d.Stats[FeatureKeys.Action], NormalizationMode.MinMax),
        };
        var episodes = Enumerable.Range(0, d.Episodes).ToList();
        var video = LeRobotDataset.Load(root);
        double Loader(EpisodeDataset data, int count)
        {
            var loader = new BatchLoader(data, episodes, window, norms, batchSize, seed: 0);
            var s = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) using (torch.NewDisposeScope()) loader.Next().Dispose();
            return count / s.Elapsed.TotalSeconds;
        }
        double coldBatches = Loader(video, batches);
        // Warm: every episode in the cache first.
        var videoFrames = (VideoFrames)video.ImageSource(key);
        Parallel.For(0, video.Episodes, e => videoFrames.Episode(e));
        double warmBatches = Loader(video, batches);
        var memory = new EpisodeDataset(d.Features, d.EpisodeEnds, d.Features.Where(f => !f.IsImage).ToDictionary(f => f.Name, f => d.Values(f.Name)),
            new Dictionary<string, byte[]> { [key] = frames.All() }, d.Fps, d.Task) { Stats = d.Stats };
        double memoryBatches = Loader(memory, batches);

        BenchArgs.Write(output, new
        {
            bench = "video",
            date = DateTime.UtcNow.ToString("u"),
            machine = $"{Environment.ProcessorCount} cores",
            file = Path.GetRelativePath(root, file),
            codec = probe.Codec, width = probe.Width, height = probe.Height, pix_fmt = probe.PixelFormat, frames = n,
            binding = "ffmpeg 5.1 command line as a child process, raw rgb24 frames piped (Mimicry.Data.Video)",
            sequential_fps = new { mimicry = Math.Round(n / ours), ffmpeg_cli_threads_1 = Math.Round(n / cli1), ffmpeg_cli_threads_auto = Math.Round(n / cliAuto), ratio_mimicry_over_cli = Math.Round(cli1 / ours, 3) },
            random_access_fps = new { frames = randomFrames, mimicry = Math.Round(randomFrames / oursRandom, 1), ffmpeg_cli = Math.Round(randomFrames / cliRandom, 1), ratio_mimicry_over_cli = Math.Round(cliRandom / oursRandom, 3) },
            per_episode_decode = new { episodes = d.Episodes, workers = cold.Workers, seconds = Math.Round(perEpisode, 2), fps = Math.Round(n / perEpisode) },
            loader_batches_per_s = new { batch = batchSize, batches, window = "image + state x2, action x16", cold_video = Math.Round(coldBatches, 1), warm_video = Math.Round(warmBatches, 1), memory = Math.Round(memoryBatches, 1) },
            command = "dotnet run -c Release --project bench/Mimicry.Bench -- video --dataset DIR",
        });
        return 0;
    }

    private static VideoFrames Reload(string root, string key) => (VideoFrames)LeRobotDataset.Load(root).ImageSource(key);

    private static void Cli(string[] args)
    {
        var info = new ProcessStartInfo(Ffmpeg.Program("ffmpeg")) { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-v"); info.ArgumentList.Add("error");
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new IOException($"ffmpeg {string.Join(" ", args)} failed");
    }
}
