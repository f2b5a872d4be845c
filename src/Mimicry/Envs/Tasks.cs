using Mimicry.Data;
using Mimicry.Envs.Fork;
using Mimicry.Envs.PushT;
using Mimicry.Envs.Stitch;
using SkiaSharp;

namespace Mimicry.Envs;

/// <summary>A frame renderer for GIFs: (env, tile size) → bitmap, valid until the next call; Owner frees it.</summary>
public sealed record TaskRenderer(Func<IEnv, int, SKBitmap> Render, IDisposable Owner) : IDisposable
{
    public void Dispose() => Owner.Dispose();
}

/// <summary>One task Mimicry can evaluate in.</summary>
/// <param name="Name">"pusht", "fork".</param>
/// <param name="Create">A new environment.</param>
/// <param name="Spec">Sizes and limits (<see cref="EnvSpec.MaxSteps"/>: steps per evaluation episode).</param>
/// <param name="ObservationKey">The observation a policy reads by default on this task.</param>
/// <param name="Success">What success means, for reports.</param>
/// <param name="Renderer">Tile size → a renderer.</param>
/// <param name="RobotType">LeRobot's robot_type of this task's datasets.</param>
public sealed record TaskEntry(string Name, Func<IEnv> Create, EnvSpec Spec, string ObservationKey, string Success, Func<int, TaskRenderer> Renderer, string RobotType);

/// <summary>The tasks Mimicry can evaluate in: the one place a task is listed.</summary>
public static class Tasks
{
    public const string PushT = "pusht", Fork = "fork", Stitch = "stitch";

    public static readonly IReadOnlyList<TaskEntry> All =
    [
        new(PushT, () => new PushTEnv(), PushTEnv.Specification, FeatureKeys.Keypoints, "coverage > 0.95 (LeRobot's)", size =>
        {
            var r = new PushTRenderer(size);
            return new TaskRenderer((env, _) => r.Render((PushTEnv)env, drawAction: true), r);
        }, PushTImport.RobotType),
        new(Fork, () => new ForkEnv(), ForkEnv.Specification, FeatureKeys.State, "reaching the goal without touching the obstacle", size =>
        {
            var r = new ForkRenderer(size);
            return new TaskRenderer((env, _) => r.Render((ForkEnv)env), r);
        }, ForkExpert.RobotType),
        new(Stitch, () => new StitchEnv(), StitchEnv.Specification, FeatureKeys.State, "reaching G (the data hold no path to it from the start S)", size =>
        {
            var r = new StitchRenderer(size);
            return new TaskRenderer((env, _) => r.Render((StitchEnv)env), r);
        }, StitchData.RobotType),
    ];

    public static IEnumerable<string> Names => All.Select(t => t.Name);

    public static TaskEntry Get(string task) => All.FirstOrDefault(t => t.Name == task)
        ?? throw new ArgumentException($"unknown task '{task}' (known: {string.Join(", ", Names)})");

    /// <summary>The task a dataset's episodes come from: its own record of it, else its robot type's task; null when unknown.</summary>
    public static string? Of(EpisodeDataset dataset) =>
        dataset.EnvTask ?? All.FirstOrDefault(t => dataset.RobotType != null && t.RobotType == dataset.RobotType)?.Name;

    public static IEnv Create(string task) => Get(task).Create();

    /// <summary>Steps per evaluation episode (DP's 300 for Push-T).</summary>
    public static int MaxSteps(string task) => Get(task).Spec.MaxSteps;
}
