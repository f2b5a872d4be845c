using Mimicry.Data.LeRobot;
using Mimicry.Envs.PushT;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Runtime;
using Mimicry.Training;

namespace Mimicry.Experiments;

/// <summary>
/// <c>mimicry quickstart</c>, the README's main job, end to end on Push-T in about five minutes on two CPU cores: check the
/// environment against the demonstrations (replay), import them as a LeRobot dataset, train the small tuned Diffusion Policy
/// preset, evaluate it on DP's test seeds, and write the report, curves and rollout GIF.
/// </summary>
public static class Quickstart
{
    /// <summary>What the quickstart trains: the small U-Net with DP's recipe and lr 1e-3 (0.88-0.96 on DP's seeds near step 3,760 of 4,000).</summary>
    public const string Preset = "dp-pusht-lowdim-cpu-lr1e-3";

    /// <param name="drive">Runs the trainer (the CLI's progress bar and stop signal); see <see cref="TrainJob.Run"/>.</param>
    /// <returns>Whether it finished (false: training was stopped; its checkpoint is saved, nothing is evaluated).</returns>
    public static bool Run(string zarr, string outDir, int steps, int episodes, Action<string> log, Action<Trainer, Func<IPolicy, ActingScore>?>? drive = null,
        IProgressDisplay? progress = null)
    {
        Directory.CreateDirectory(outDir);

        log("== 1/4 environment check: replay the human demonstrations");
        var demos = PushTReplayBuffer.Load(zarr);
        var replays = PushTReplay.ReplayAll(demos, Enumerable.Range(0, demos.Episodes).ToArray());
        double worst = replays.Max(x => x.MaxStateError);
        log($"replayed {demos.Episodes} episodes ({demos.Steps} steps): max deviation from the recorded states {worst:E2} (acceptance 1e-3)");
        if (worst >= 1e-3) throw new InvalidDataException($"the environment does not reproduce the demonstrations (max state error {worst})");
        PushTReplay.WriteGif(demos, [0, 1], Path.Combine(outDir, "demonstrations.gif"), 192);

        log("== 2/4 import the demonstrations as a LeRobot v3.0 dataset");
        string datasetDir = Path.Combine(outDir, "dataset");
        var dataset = PushTImport.FromZarr(zarr);
        LeRobotDataset.Save(dataset, datasetDir, PushTImport.RobotType, overwrite: true);
        log($"wrote {datasetDir}: {dataset.Episodes} episodes, {dataset.Frames} frames");

        // The tuned small preset (U-Net [32, 64, 128], lr 1e-3, DP's 90-episode split) with its cosine schedule over `steps`.
        var preset = Presets.Get(Preset);
        log($"== 3/4 train a small policy ({Preset}, {steps} steps)");
        string name = preset.Config.Policy.Name;
        string run = Path.Combine(outDir, name);
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
        if (TrainJob.Run(config, run, resume: false, log: log, drive: drive).Stopped) return false;

        log($"== 4/4 evaluate on {episodes} seeds from {EvalOptions.DefaultFirstSeed} (as the paper: the preset's own sampler)");
        var report = RunEvaluation.Evaluate([new EvalTarget(run, $"{name} (quickstart: {Preset}, {steps} steps)", [])], new EvalOptions(episodes),
            "cpu", gif: true, outDir, log, progress);
        var result = report.Policies[0].Result;
        string gif = Path.Combine(outDir, "rollouts.gif");
        File.Move(report.Gif!, gif, overwrite: true);
        (report with { Gif = gif }).Save(outDir);
        log($"avg max coverage reward {result.AvgMaxReward:F3}, success rate {result.SuccessRate:P0} over {episodes} episodes " +
                          $"(a short run; see bench/results/pusht-diffusion for a full one)");
        log($"wrote {Path.Combine(outDir, "report.md")}, report.json, rollouts.gif, demonstrations.gif, {Path.Combine(run, "training_curve.png")}");
        return true;
    }
}
