using Mimicry.Envs.PushT;
using SkiaSharp;

namespace Mimicry.Bench;

/// <summary>
/// Push-T's renderers against the images recorded in the Diffusion Policy replay buffer: every recorded state rendered and
/// compared pixel by pixel (mean and max absolute error), for the observation renderer (DP's pygame-then-cv2 pipeline) and the
/// anti-aliased GIF renderer; a PNG of the worst frame (recorded | ours | |difference| x4).
///   dotnet run -c Release --project bench/Mimicry.Bench -- pusht-render --zarr PATH/pusht_cchi_v7_replay.zarr
/// </summary>
public static class PushTRenderBench
{
    public static int Run(BenchArgs args)
    {
        string zarr = args.String("zarr", "");
        if (zarr == "") { Console.Error.WriteLine("--zarr PATH: the full DP replay buffer (with data/img)"); return 2; }
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "pusht-render.json"));
        var demos = PushTReplayBuffer.Load(zarr);
        var recorded = PushTRenderCheck.RecordedImages(zarr, demos);
        using var observation = new PushTObservationRenderer();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var faithful = PushTRenderCheck.Compare(demos, recorded, (s, o) => observation.Render(s, o));
        double perFrameMs = sw.Elapsed.TotalMilliseconds / demos.Steps;
        using var gif = new PushTRenderer(PushTRenderer.ObservationSize);
        var floats = new float[96 * 96 * 3];
        var antiAliased = PushTRenderCheck.Compare(demos, recorded, (s, o) =>
        {
            PushTRenderer.CopyRgb(gif.Render(s), floats);
            for (int i = 0; i < o.Length; i++) o[i] = (byte)floats[i];
        });
        if (args.String("fixture", "") is { Length: > 0 } fixture) WriteFixture(fixture, demos, recorded, [0, 5000, 12000, 18362, 25649]);
        string png = Path.ChangeExtension(output, ".png");
        WriteComparison(png, demos, recorded, observation, faithful.WorstFrame);
        BenchArgs.Write(output, new
        {
            bench = "pusht-render",
            date = DateTime.UtcNow.ToString("u"),
            frames = demos.Steps,
            observation_renderer = new { faithful.MeanAbsError, faithful.MaxAbsError, faithful.ExactFraction, faithful.Within8Fraction, faithful.WorstFrame, faithful.WorstFrameMean, ms_per_frame = Math.Round(perFrameMs, 3) },
            gif_renderer_anti_aliased_at_96 = new { antiAliased.MeanAbsError, antiAliased.MaxAbsError, antiAliased.ExactFraction, antiAliased.Within8Fraction, antiAliased.WorstFrame, antiAliased.WorstFrameMean },
            worst_frame_png = Path.GetFileName(png),
            command = "dotnet run -c Release --project bench/Mimicry.Bench -- pusht-render --zarr PATH/pusht_cchi_v7_replay.zarr",
        });
        return 0;
    }

    /// <summary>A few recorded frames as PNG (lossless) with their states, for the renderer's test.</summary>
    private static void WriteFixture(string dir, PushTReplayBuffer demos, byte[] recorded, long[] frames)
    {
        Directory.CreateDirectory(dir);
        const int s = 96;
        var states = new Dictionary<string, float[]>();
        foreach (long f in frames)
        {
            using var bmp = new SKBitmap(s, s);
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                {
                    long r = (f * s * s + y * s + x) * 3;
                    bmp.SetPixel(x, y, new SKColor(recorded[r], recorded[r + 1], recorded[r + 2]));
                }
            using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(dir, $"frame-{f:00000}.png"), data.ToArray());
            states[$"frame-{f:00000}.png"] = demos.State.AsSpan((int)f * 5, 5).ToArray();
        }
        File.WriteAllText(Path.Combine(dir, "states.json"), System.Text.Json.JsonSerializer.Serialize(states, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static void WriteComparison(string path, PushTReplayBuffer demos, byte[] recorded, PushTObservationRenderer renderer, long frame)
    {
        const int s = 96, zoom = 4;
        var ours = new byte[s * s * 3];
        renderer.Render(demos.State.AsSpan((int)frame * 5, 5).ToArray().Select(v => (double)v).ToArray(), ours);
        using var bmp = new SKBitmap(3 * s * zoom, s * zoom);
        for (int y = 0; y < s * zoom; y++)
            for (int x = 0; x < s * zoom; x++)
            {
                int i = ((y / zoom) * s + x / zoom) * 3;
                long r = frame * s * s * 3 + i;
                bmp.SetPixel(x, y, new SKColor(recorded[r], recorded[r + 1], recorded[r + 2]));
                bmp.SetPixel(x + s * zoom, y, new SKColor(ours[i], ours[i + 1], ours[i + 2]));
                byte D(int c) => (byte)Math.Min(255, 4 * Math.Abs(ours[i + c] - recorded[r + c]));
                bmp.SetPixel(x + 2 * s * zoom, y, new SKColor(D(0), D(1), D(2)));
            }
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
