using SkiaSharp;

namespace Mimicry.Rendering;

/// <summary>Writes SkiaSharp bitmaps as PNG, atomically (temp file + rename).</summary>
public static class Png
{
    public static void Save(SKBitmap bitmap, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var image = SKImage.FromBitmap(bitmap))
        using (var data = image.Encode(SKEncodedImageFormat.Png, 100))
        using (var stream = File.Create(tmp))
            data.SaveTo(stream);
        File.Move(tmp, path, overwrite: true);
    }
}
