using SkiaSharp;

namespace Mimicry.Rendering;

/// <summary>Writes SkiaSharp bitmaps as PNG, atomically (temp file + rename).</summary>
public static class Png
{
    public static void Save(SKBitmap bitmap, string path) => IO.AtomicFile.Write(path, tmp =>
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var stream = File.Create(tmp);
        data.SaveTo(stream);
    });
}
