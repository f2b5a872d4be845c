using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace Mimicry.Rendering;

/// <summary>
/// Collects RGBA frames and writes an animated GIF (ImageSharp 2.1, Apache-2.0). The file is written
/// to a temporary name and renamed, so a crash never leaves half a GIF under the real name.
/// </summary>
public sealed class GifWriter : IDisposable
{
    private readonly Image<Rgba32> _image;
    private readonly int _delayCentiseconds;

    public int Width { get; }
    public int Height { get; }
    public int FrameCount { get; private set; }

    /// <param name="fps">Playback rate; GIF delays are in 1/100 s.</param>
    public GifWriter(int width, int height, double fps = 10)
    {
        Width = width;
        Height = height;
        _image = new Image<Rgba32>(width, height);
        _delayCentiseconds = Math.Max(2, (int)Math.Round(100 / fps));
        _image.Metadata.GetGifMetadata().RepeatCount = 0;
    }

    /// <summary>Appends a frame from a SkiaSharp bitmap of this writer's size (RGBA8888 or BGRA8888).</summary>
    public void Add(SKBitmap bitmap)
    {
        if (bitmap.Width != Width || bitmap.Height != Height)
            throw new ArgumentException($"frame is {bitmap.Width}x{bitmap.Height}, GIF is {Width}x{Height}");
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var source = (rgba ?? bitmap).GetPixelSpan();
        using var frame = Image.LoadPixelData<Rgba32>(source, Width, Height);
        Add(frame);
    }

    private void Add(Image<Rgba32> frame)
    {
        _image.Frames.AddFrame(frame.Frames.RootFrame);
        if (FrameCount == 0) _image.Frames.RemoveFrame(0); // the blank frame the image was created with
        _image.Frames[^1].Metadata.GetGifMetadata().FrameDelay = _delayCentiseconds;
        FrameCount++;
    }

    /// <summary>Writes the GIF atomically (temp file + rename).</summary>
    public void Save(string path)
    {
        if (FrameCount == 0) throw new InvalidOperationException("no frames to write");
        IO.AtomicFile.Write(path, tmp =>
        {
            using var stream = File.Create(tmp);
            _image.SaveAsGif(stream, new GifEncoder { ColorTableMode = GifColorTableMode.Global });
        });
    }

    public void Dispose() => _image.Dispose();
}
