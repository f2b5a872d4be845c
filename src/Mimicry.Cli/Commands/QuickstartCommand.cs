using System.CommandLine;
using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Envs.PushT;
using Mimicry.Evaluation;
using Mimicry.Policies.Diffusion;
using Mimicry.Rendering;
using Mimicry.Training;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry quickstart</c>, the README's main job, end to end on Push-T in about ten minutes on two
/// CPU cores: check the environment against the demonstrations (replay), import them as a LeRobot
/// dataset, train a small Diffusion Policy, evaluate it on DP's test seeds, and write the report,
/// curves and rollout GIF.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht" };
        var output = new Option<string>("--out") { Description = "folder for dataset, run, report and GIFs", DefaultValueFactory = _ => "runs/quickstart" };
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 3000 };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes (seeds from 100000)", DefaultValueFactory = _ => 50 };
        var cmd = new Command("quickstart", "Main job: replay check, import, train a small diffusion policy, evaluate, report (Push-T)")
        { data, output, steps, episodes };
        cmd.SetAction(r => Cli.Run(() => Run(Cli.ResolveData(r.GetValue(data)), r.GetValue(output)!, r.GetValue(steps), r.GetValue(episodes))));
        return cmd;
    }

    /// <summary>What the quickstart trains: the small U-Net with DP's recipe and lr 1e-3 (0.88-0.96 on DP's seeds near step 3,760 of 4,000).</summary>
    public const string Preset = "dp-pusht-lowdim-cpu-lr1e-3";

    private static int Run(string zarr, string outDir, int steps, int episodes)
    {
        Directory.CreateDirectory(outDir);

        Console.WriteLine("== 1/4 environment check: replay the human demonstrations");
        var demos = PushTReplayBuffer.Load(zarr);
        var replays = PushTReplay.ReplayAll(demos, Enumerable.Range(0, demos.Episodes).ToArray());
        double worst = replays.Max(x => x.MaxStateError);
        Console.WriteLine($"replayed {demos.Episodes} episodes ({demos.Steps} steps): max deviation from the recorded states {worst:E2} (acceptance 1e-3)");
        if (worst >= 1e-3) throw new InvalidDataException($"the environment does not reproduce the demonstrations (max state error {worst})");
        PushTReplay.WriteGif(demos, [0, 1], Path.Combine(outDir, "demonstrations.gif"), 192);

        Console.WriteLine("== 2/4 import the demonstrations as a LeRobot v2.1 dataset");
        string datasetDir = Path.Combine(outDir, "dataset");
        var dataset = PushTImport.FromZarr(zarr);
        LeRobotDataset.Save(dataset, datasetDir, PushTImport.RobotType, overwrite: true);
        Console.WriteLine($"wrote {datasetDir}: {dataset.Episodes} episodes, {dataset.Frames} frames");

        // The tuned small preset (U-Net [32, 64, 128], lr 1e-3, DP's 90-episode split) with its cosine schedule over `steps`.
        var preset = Presets.Get(Preset);
        Console.WriteLine($"== 3/4 train a small Diffusion Policy ({Preset}, {steps} steps)");
        string run = Path.Combine(outDir, "diffusion");
        var train = preset.Config.Train with { Steps = steps, WarmupSteps = Math.Min(preset.Config.Train.WarmupSteps, steps / 10), CheckpointEvery = steps, KeepCheckpoints = 0 };
        var config = preset.Config with
        {
            Dataset = datasetDir,
            Train = train,
            Deviations = [.. preset.Config.Deviations,
                $"quickstart: {steps:N0} steps instead of the preset's {preset.Config.Train.Steps:N0} (cosine schedule over {steps:N0}, warm-up {train.WarmupSteps})",
                "quickstart: one training seed, and its final checkpoint alone is scored (no max over the last checkpoints)"],
        };
        if (Directory.Exists(run)) Directory.Delete(run, true);
        int trained = TrainCommand.Train(config, run, resume: false);
        if (trained != 0) return trained; // stopped by a signal: the checkpoint is saved, nothing is evaluated

        Console.WriteLine($"== 4/4 evaluate on {episodes} seeds from 100000 (DDPM, 100 steps, as the paper)");
        var report = EvalCommand.Evaluate([(run, $"diffusion (quickstart: {Preset}, {steps} steps)")], new EvalOptions(episodes), [],
            "cpu", gif: true, outDir);
        var result = report.Policies[0].Result;
        string gif = Path.Combine(outDir, "rollouts.gif");
        File.Move(report.Gif!, gif, overwrite: true);
        (report with { Gif = gif }).Save(outDir);
        Console.WriteLine($"avg max coverage reward {result.AvgMaxReward:F3}, success rate {result.SuccessRate:P0} over {episodes} episodes " +
                          $"(a short run; see bench/results/pusht-diffusion for a full one)");
        Console.WriteLine($"wrote {Path.Combine(outDir, "report.md")}, report.json, rollouts.gif, demonstrations.gif, {Path.Combine(run, "training_curve.png")}");
        return 0;
    }
}
