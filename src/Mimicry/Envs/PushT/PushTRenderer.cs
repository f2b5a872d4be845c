using SkiaSharp;
using static Mimicry.Envs.PushT.PushTGeometry;

namespace Mimicry.Envs.PushT;

/// <summary>
/// Draws Push-T as DP's pygame renderer does (goal T in LightGreen, walls LightGray, agent RoyalBlue,
/// block LightSlateGray with its 2-pixel fat outline), scaled from the 512-pixel world to any square
/// size. Unlike the original (pygame at 512, then cv2.resize) it rasterises once at the target size
/// with anti-aliasing, for GIFs and reports; the environment's image observation is <see cref="PushTObservationRenderer"/>.
/// </summary>
public sealed class PushTRenderer : IDisposable
{
    /// <summary>Side of DP's image observation.</summary>
    public const int ObservationSize = 96;

    public static readonly SKColor LightGreen = new(144, 238, 144);
    public static readonly SKColor LightGray = new(211, 211, 211);
    public static readonly SKColor RoyalBlue = new(65, 105, 225);
    public static readonly SKColor LightSlateGray = new(119, 136, 153);

    private readonly SKBitmap _bitmap;
    private readonly SKCanvas _canvas;
    private readonly SKPaint _paint = new() { IsAntialias = true };

    public int Size { get; }

    public PushTRenderer(int size)
    {
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), size, "render size must be at least 8 pixels");
        Size = size;
        _bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        _canvas = new SKCanvas(_bitmap);
    }

    /// <summary>Draws the environment's current state; with <paramref name="drawAction"/> a red cross marks the last target.</summary>
    public SKBitmap Render(PushTEnv env, bool drawAction = false)
    {
        var agent = env.AgentPosition;
        var block = env.BlockPose;
        Draw(agent, block, drawAction ? env.LastAction : null);
        return _bitmap;
    }

    /// <summary>Draws an explicit state (agent x, y, block x, y, angle) with an optional action marker.</summary>
    public SKBitmap Render(ReadOnlySpan<double> state, (double X, double Y)? action = null)
    {
        Draw((state[0], state[1]), (state[2], state[3], state[4]), action);
        return _bitmap;
    }

    private void Draw((double X, double Y) agent, (double X, double Y, double Angle) block, (double X, double Y)? action)
    {
        var c = _canvas;
        c.ResetMatrix();
        c.Clear(SKColors.White);
        float scale = (float)(Size / WindowSize);
        c.Scale(scale);

        _paint.Style = SKPaintStyle.Fill;
        _paint.Color = LightGreen;
        DrawT(GoalPose.X, GoalPose.Y, GoalPose.Angle, outline: false);

        _paint.Color = LightGray;
        _paint.Style = SKPaintStyle.Stroke;
        _paint.StrokeWidth = (float)(2 * WallRadius);
        _paint.StrokeCap = SKStrokeCap.Round;
        foreach (var w in Walls) c.DrawLine((float)w[0].X, (float)w[0].Y, (float)w[1].X, (float)w[1].Y, _paint);

        _paint.Style = SKPaintStyle.Fill;
        _paint.Color = RoyalBlue;
        c.DrawCircle((float)agent.X, (float)agent.Y, (float)AgentRadius, _paint);

        _paint.Color = LightSlateGray;
        DrawT(block.X, block.Y, block.Angle, outline: true);

        if (action is { } a)
        {
            _paint.Style = SKPaintStyle.Stroke;
            _paint.Color = SKColors.Red;
            _paint.StrokeWidth = 1.5f / scale;
            float r = 4f / scale, ax = (float)a.X, ay = (float)a.Y;
            c.DrawLine(ax - r, ay, ax + r, ay, _paint);
            c.DrawLine(ax, ay - r, ax, ay + r, _paint);
        }
        c.Flush();
    }

    private void DrawT(double x, double y, double angle, bool outline)
    {
        foreach (var piece in new[] { Bar, Stem })
        {
            using var path = new SKPath();
            for (int i = 0; i < piece.Length; i++)
            {
                var w = ToWorld(piece[i], x, y, angle);
                if (i == 0) path.MoveTo((float)w.X, (float)w.Y); else path.LineTo((float)w.X, (float)w.Y);
            }
            path.Close();
            _paint.Style = SKPaintStyle.Fill;
            _canvas.DrawPath(path, _paint);
            if (outline)
            {
                // pymunk's draw_polygon traces each edge as a fat segment of radius 2 in the fill colour.
                _paint.Style = SKPaintStyle.Stroke;
                _paint.StrokeWidth = 4;
                _paint.StrokeJoin = SKStrokeJoin.Round;
                _canvas.DrawPath(path, _paint);
            }
        }
    }

    /// <summary>Copies an RGBA bitmap into HWC RGB floats (0..255).</summary>
    public static void CopyRgb(SKBitmap bitmap, Span<float> destination)
    {
        var pixels = bitmap.GetPixelSpan();
        int n = bitmap.Width * bitmap.Height;
        if (destination.Length != n * 3) throw new ArgumentException($"need {n * 3} floats, got {destination.Length}");
        for (int i = 0; i < n; i++)
        {
            destination[3 * i] = pixels[4 * i];
            destination[3 * i + 1] = pixels[4 * i + 1];
            destination[3 * i + 2] = pixels[4 * i + 2];
        }
    }

    public void Dispose()
    {
        _canvas.Dispose();
        _bitmap.Dispose();
        _paint.Dispose();
    }
}
