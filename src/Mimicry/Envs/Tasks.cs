using Mimicry.Envs.Fork;
using Mimicry.Envs.PushT;
using SkiaSharp;

namespace Mimicry.Envs;

/// <summary>The tasks Mimicry can evaluate in, by name.</summary>
public static class Tasks
{
    public const string PushT = "pusht", Fork = "fork";
    public static readonly string[] Names = [PushT, Fork];

    public static IEnv Create(string task) => task switch
    {
        PushT => new PushTEnv(),
        Fork => new ForkEnv(),
        _ => throw new ArgumentException($"unknown task '{task}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>Steps per evaluation episode (DP's 300 for Push-T).</summary>
    public static int MaxSteps(string task) => task switch
    {
        PushT => 300,
        Fork => ForkEnv.MaxSteps,
        _ => throw new ArgumentException($"unknown task '{task}'"),
    };

    /// <summary>A frame renderer for GIFs: (env, tile size) → bitmap, valid until the next call.</summary>
    public static (Func<IEnv, int, SKBitmap> Render, IDisposable Owner) Renderer(string task, int size)
    {
        switch (task)
        {
            case PushT:
                var p = new PushTRenderer(size);
                return ((env, _) => p.Render((PushTEnv)env, drawAction: true), p);
            case Fork:
                var f = new ForkRenderer(size);
                return ((env, _) => f.Render((ForkEnv)env), f);
            default: throw new ArgumentException($"unknown task '{task}'");
        }
    }
}
