using Mimicry.Envs;
using Mimicry.Rendering;
using SkiaSharp;

namespace Mimicry.Evaluation;

/// <summary>Tiles the first rollouts into one animated GIF (4 columns).</summary>
internal sealed class RolloutGif : IDisposable
{
    private readonly int _count, _cols, _tile;
    private readonly Func<IEnv, int, SKBitmap> _render;
    private readonly VectorEnv _envs;
    private readonly SKBitmap _canvasBitmap;
    private readonly SKCanvas _canvas;
    private readonly GifWriter _writer;

    public RolloutGif(int count, Func<IEnv, int, SKBitmap> render, VectorEnv envs, int tile = 128)
    {
        _count = count;
        _cols = Math.Min(4, count);
        _tile = tile;
        _render = render;
        _envs = envs;
        int rows = (count + _cols - 1) / _cols;
        _canvasBitmap = new SKBitmap(new SKImageInfo(_cols * tile, rows * tile, SKColorType.Rgba8888, SKAlphaType.Premul));
        _canvas = new SKCanvas(_canvasBitmap);
        _writer = new GifWriter(_cols * tile, rows * tile, fps: 10);
    }

    public void AddFrame()
    {
        _canvas.Clear(SKColors.White);
        for (int i = 0; i < _count; i++)
        {
            var tile = _render(_envs[i], _tile);
            _canvas.DrawBitmap(tile, i % _cols * _tile, i / _cols * _tile);
        }
        _canvas.Flush();
        _writer.Add(_canvasBitmap);
    }

    public void Save(string path) => _writer.Save(path);

    public void Dispose()
    {
        _canvas.Dispose();
        _canvasBitmap.Dispose();
        _writer.Dispose();
    }
}
