using SkiaSharp;

namespace Mimicry.Envs.Stitch;

/// <summary>Draws the stitch graph: edges grey, visited edges blue, the current node filled (G green, Z orange).</summary>
public sealed class StitchRenderer : IDisposable
{
    /// <summary>Where each node is drawn, in [0, 2] × [-0.5, 1] (also used by the stitching report's plots).</summary>
    public static (double X, double Y) Position(StitchEnv.Node n) => n switch
    {
        StitchEnv.Node.S => (0, 0),
        StitchEnv.Node.Y => (0, 1),
        StitchEnv.Node.M => (1, 0.5),
        StitchEnv.Node.Z => (1, -0.5),
        StitchEnv.Node.X => (2, 1),
        _ => (2, 0), // G
    };

    private readonly SKBitmap _bitmap;
    private readonly SKCanvas _canvas;
    private readonly SKPaint _paint = new() { IsAntialias = true, StrokeWidth = 2 };
    private readonly SKFont _font;
    public int Size { get; }

    public StitchRenderer(int size)
    {
        Size = size;
        _bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        _canvas = new SKCanvas(_bitmap);
        _font = new SKFont { Size = Math.Max(8, size / 12f) };
    }

    private SKPoint ToPixel(StitchEnv.Node n)
    {
        var (x, y) = Position(n);
        return new((float)((x + 0.3) / 2.6 * Size), (float)((1.3 - y) / 2.1 * Size));
    }

    public SKBitmap Render(StitchEnv env)
    {
        _canvas.Clear(SKColors.White);
        _paint.Style = SKPaintStyle.Stroke;
        foreach (var n in Enum.GetValues<StitchEnv.Node>())
            if (StitchEnv.Edges(n) is { } e)
                foreach (var to in new[] { e.First, e.Second }.Distinct())
                {
                    bool used = Enumerable.Range(1, Math.Max(0, env.Path.Count - 1)).Any(i => env.Path[i - 1] == n && env.Path[i] == to);
                    _paint.Color = used ? new SKColor(65, 105, 225) : new SKColor(200, 200, 200);
                    _paint.StrokeWidth = used ? 4 : 2;
                    _canvas.DrawLine(ToPixel(n), ToPixel(to), _paint);
                }
        float r = Size / 14f;
        foreach (var n in Enum.GetValues<StitchEnv.Node>())
        {
            _paint.Style = SKPaintStyle.Fill;
            _paint.Color = n != env.Current ? SKColors.White
                : n == StitchEnv.Node.G ? new SKColor(60, 179, 113) : n == StitchEnv.Node.Z ? new SKColor(255, 140, 0) : new SKColor(65, 105, 225);
            _canvas.DrawCircle(ToPixel(n), r, _paint);
            _paint.Style = SKPaintStyle.Stroke;
            _paint.Color = SKColors.Black;
            _paint.StrokeWidth = 1.5f;
            _canvas.DrawCircle(ToPixel(n), r, _paint);
            _paint.Style = SKPaintStyle.Fill;
            var p = ToPixel(n);
            _canvas.DrawText(n.ToString(), p.X - r / 2, p.Y + r / 2, _font, _paint);
        }
        _canvas.Flush();
        return _bitmap;
    }

    public void Dispose()
    {
        _canvas.Dispose();
        _bitmap.Dispose();
        _paint.Dispose();
        _font.Dispose();
    }
}
