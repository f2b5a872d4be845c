using SkiaSharp;
using static Mimicry.Envs.PushT.PushTGeometry;

namespace Mimicry.Envs.PushT;

/// <summary>
/// Push-T's image observation drawn the way the Diffusion Policy environment drew the recorded ones
/// (diffusion_policy/env/pusht/pusht_env.py <c>_render_frame</c> and pymunk_override.py <c>DrawOptions</c>): a 512-pixel pygame
/// canvas without anti-aliasing, vertices rounded to whole pixels (<c>to_pygame</c>), the goal T filled LightGreen, then the
/// shapes in the order they were added to the space: walls as fat segments (radius 2, LightGray), the agent as a RoyalBlue disc
/// with a lighter disc of radius 11 inside, the block's two polygons filled with <c>light_color</c> (1.2x, truncated) and outlined
/// by fat segments of radius 2 in LightSlateGray; then <c>cv2.resize</c> to 96x96 (bilinear, half-pixel centres).
/// Measured against the recorded images in <c>bench/results/pusht-render.json</c>.
/// </summary>
public sealed class PushTObservationRenderer : IDisposable
{
    private const int Canvas = 512;
    private readonly SKBitmap _bitmap = new(new SKImageInfo(Canvas, Canvas, SKColorType.Rgba8888, SKAlphaType.Premul));
    private readonly SKCanvas _canvas;
    private readonly SKPaint _paint = new() { IsAntialias = false };

    public int Size { get; }

    public PushTObservationRenderer(int size = PushTRenderer.ObservationSize)
    {
        if (size < 8 || size > Canvas) throw new ArgumentOutOfRangeException(nameof(size), size, "observation size must be 8-512 pixels");
        Size = size;
        _canvas = new SKCanvas(_bitmap);
    }

    /// <summary>pymunk_override.light_color: 1.2x each channel, capped at 255, truncated to int by <c>as_int</c>.</summary>
    public static SKColor Light(SKColor c) => new((byte)Math.Min(255, (int)(1.2f * c.Red)), (byte)Math.Min(255, (int)(1.2f * c.Green)), (byte)Math.Min(255, (int)(1.2f * c.Blue)));

    /// <summary>Draws state (agent x, y, block x, y, angle) and writes Size x Size x 3 RGB bytes.</summary>
    public void Render(ReadOnlySpan<double> state, Span<byte> hwc)
    {
        if (hwc.Length != Size * Size * 3) throw new ArgumentException($"need {Size * Size * 3} bytes, got {hwc.Length}");
        Draw((state[0], state[1]), (state[2], state[3], state[4]));
        Resize(_bitmap.GetPixelSpan(), hwc);
    }

    private static SKPoint Pixel((double X, double Y) p) => new((float)Math.Round(p.X, MidpointRounding.ToEven), (float)Math.Round(p.Y, MidpointRounding.ToEven));

    private void Draw((double X, double Y) agent, (double X, double Y, double Angle) block)
    {
        var c = _canvas;
        c.Clear(SKColors.White);
        _paint.Style = SKPaintStyle.Fill;
        _paint.Color = PushTRenderer.LightGreen;
        foreach (var piece in new[] { Bar, Stem }) Polygon(piece, GoalPose.X, GoalPose.Y, GoalPose.Angle);

        foreach (var w in Walls) FatSegment(w[0], w[1], WallRadius, PushTRenderer.LightGray);

        var p = Pixel(agent);
        _paint.Style = SKPaintStyle.Fill;
        _paint.Color = PushTRenderer.RoyalBlue;
        c.DrawCircle(p, (float)Math.Round(AgentRadius), _paint);
        _paint.Color = Light(PushTRenderer.RoyalBlue);
        c.DrawCircle(p, (float)Math.Round(AgentRadius - 4), _paint);

        foreach (var piece in new[] { Bar, Stem })
        {
            _paint.Style = SKPaintStyle.Fill;
            _paint.Color = Light(PushTRenderer.LightSlateGray);
            Polygon(piece, block.X, block.Y, block.Angle);
            for (int i = 0; i < piece.Length; i++)
                FatSegment(ToWorld(piece[i], block.X, block.Y, block.Angle), ToWorld(piece[(i + 1) % piece.Length], block.X, block.Y, block.Angle), 2, PushTRenderer.LightSlateGray);
        }
        c.Flush();
    }

    private void Polygon((double X, double Y)[] piece, double x, double y, double angle)
    {
        using var path = new SKPath();
        for (int i = 0; i < piece.Length; i++)
        {
            var w = Pixel(ToWorld(piece[i], x, y, angle));
            if (i == 0) path.MoveTo(w); else path.LineTo(w);
        }
        path.Close();
        _canvas.DrawPath(path, _paint);
        // pygame's polygon fill covers its boundary pixels too (it draws the edges), Skia's only the pixels whose centres are inside.
        _paint.Style = SKPaintStyle.Stroke;
        _paint.StrokeWidth = 0;
        _canvas.DrawPath(path, _paint);
        _paint.Style = SKPaintStyle.Fill;
    }

    /// <summary>pymunk_override.draw_fat_segment: a line of width 2r between the rounded end points and discs of radius r at both ends.</summary>
    private void FatSegment((double X, double Y) a, (double X, double Y) b, double radius, SKColor color)
    {
        var p1 = Pixel(a);
        var p2 = Pixel(b);
        _paint.Color = color;
        _paint.Style = SKPaintStyle.Stroke;
        _paint.StrokeWidth = (float)Math.Round(Math.Max(1, radius * 2));
        _paint.StrokeCap = SKStrokeCap.Butt;
        _canvas.DrawLine(p1, p2, _paint);
        _paint.Style = SKPaintStyle.Fill;
        _canvas.DrawCircle(p1, (float)Math.Round(radius), _paint);
        _canvas.DrawCircle(p2, (float)Math.Round(radius), _paint);
    }

    /// <summary>cv2.resize(INTER_LINEAR) from the 512 canvas: source coordinate (x + 0.5) * scale - 0.5, edges clamped.</summary>
    private void Resize(ReadOnlySpan<byte> rgba, Span<byte> hwc)
    {
        double scale = (double)Canvas / Size;
        for (int y = 0; y < Size; y++)
        {
            var (y0, wy) = Tap(y, scale);
            for (int x = 0; x < Size; x++)
            {
                var (x0, wx) = Tap(x, scale);
                int x1 = Math.Min(x0 + 1, Canvas - 1), y1 = Math.Min(y0 + 1, Canvas - 1);
                for (int ch = 0; ch < 3; ch++)
                {
                    double v = (1 - wy) * ((1 - wx) * rgba[(y0 * Canvas + x0) * 4 + ch] + wx * rgba[(y0 * Canvas + x1) * 4 + ch])
                        + wy * ((1 - wx) * rgba[(y1 * Canvas + x0) * 4 + ch] + wx * rgba[(y1 * Canvas + x1) * 4 + ch]);
                    hwc[(y * Size + x) * 3 + ch] = (byte)Math.Clamp((int)Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);
                }
            }
        }
    }

    private static (int Index, double Weight) Tap(int dst, double scale)
    {
        double f = (dst + 0.5) * scale - 0.5;
        int i = (int)Math.Floor(f);
        double w = f - i;
        if (i < 0) return (0, 0);
        if (i >= Canvas - 1) return (Canvas - 1, 0);
        return (i, w);
    }

    public void Dispose()
    {
        _canvas.Dispose();
        _bitmap.Dispose();
        _paint.Dispose();
    }
}
