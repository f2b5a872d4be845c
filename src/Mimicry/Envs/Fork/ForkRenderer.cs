using SkiaSharp;

namespace Mimicry.Envs.Fork;

/// <summary>Draws the fork task: obstacle (grey), goal (green), agent (blue), last target (red cross).</summary>
public sealed class ForkRenderer : IDisposable
{
    private readonly SKBitmap _bitmap;
    private readonly SKCanvas _canvas;
    private readonly SKPaint _paint = new() { IsAntialias = true };
    public int Size { get; }

    public ForkRenderer(int size)
    {
        Size = size;
        _bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        _canvas = new SKCanvas(_bitmap);
    }

    /// <summary>World [-1.2, 1.2]² to pixels, y up.</summary>
    public SKPoint ToPixel(double x, double y) =>
        new((float)((x + ForkEnv.Bound) / (2 * ForkEnv.Bound) * Size), (float)((ForkEnv.Bound - y) / (2 * ForkEnv.Bound) * Size));

    public float ToPixels(double length) => (float)(length / (2 * ForkEnv.Bound) * Size);

    public SKBitmap Render(ForkEnv env)
    {
        _canvas.Clear(SKColors.White);
        _paint.Style = SKPaintStyle.Fill;
        _paint.Color = new SKColor(144, 238, 144);
        _canvas.DrawCircle(ToPixel(ForkEnv.Goal.X, ForkEnv.Goal.Y), ToPixels(ForkEnv.GoalRadius), _paint);
        _paint.Color = env.Collided ? new SKColor(220, 80, 80) : new SKColor(119, 136, 153);
        _canvas.DrawCircle(ToPixel(ForkEnv.ObstacleCenter.X, ForkEnv.ObstacleCenter.Y), ToPixels(ForkEnv.ObstacleRadius), _paint);
        _paint.Color = new SKColor(65, 105, 225);
        _canvas.DrawCircle(ToPixel(env.Position.X, env.Position.Y), Math.Max(2, ToPixels(ForkEnv.AgentRadius)), _paint);
        _canvas.Flush();
        return _bitmap;
    }

    public void Dispose()
    {
        _canvas.Dispose();
        _bitmap.Dispose();
        _paint.Dispose();
    }
}
