using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;

namespace Mimicry.Data.Sampling;

/// <summary>
/// Assembles shuffled batches of windows straight into TorchSharp tensors. The features it uses are
/// normalized once, up front; a batch is then one <c>torch.empty</c> per tensor and row copies into
/// its memory, with no per-sample managed allocation. Shuffling is seeded and reshuffles every epoch.
/// Image features arrive as uint8 (B, frames, C, H, W), unnormalized (the policy's encoder scales them); frames stored as
/// video are decoded on worker threads, the next <see cref="PrefetchBatches"/> batches announced ahead of use.
/// </summary>
public sealed class BatchLoader
{
    private readonly SequenceSampler _sampler;
    private readonly (InputFeature Input, float[] Values, int Dim)[] _features;
    private readonly (InputFeature Input, ImageFrames Frames)[] _images;
    private readonly int[] _order;
    private readonly NumpyRandomState _rng;
    private int _cursor;

    public int BatchSize { get; }
    public SequenceSampler Sampler => _sampler;
    public Device Device { get; }
    public int Epoch { get; private set; }
    /// <summary>Batches whose image frames are requested ahead of use (decoded in the background when stored as video).</summary>
    public int PrefetchBatches { get; init; } = 4;

    /// <param name="dataset">The episodes.</param>
    /// <param name="episodes">Which episodes to draw windows from (e.g. the training split).</param>
    /// <param name="window">The declared features, their frames and the padding around episodes.</param>
    /// <param name="normalizers">Feature name → normalizer; every declared feature needs one.</param>
    /// <param name="batchSize">Windows per batch.</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <param name="device">Where the tensors go (CPU by default).</param>
    public BatchLoader(EpisodeDataset dataset, IReadOnlyList<int> episodes, WindowSpec window,
        IReadOnlyDictionary<string, Normalizer> normalizers, int batchSize, int seed, Device? device = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be >= 1");
        _sampler = new SequenceSampler(dataset, episodes, window);
        if (_sampler.Count == 0) throw new ArgumentException($"the chosen {episodes.Count} episodes are all shorter than one window ({window.Length} frames, {window.PadAfter} of them may run past the end)");
        _features = window.Features.Where(f => !dataset.Feature(f.Key).IsImage)
            .Select(f => (f, NormalizedCopy(dataset, f.Key, normalizers), dataset.Feature(f.Key).Size)).ToArray();
        _images = window.Features.Where(f => dataset.Feature(f.Key).IsImage).Select(f => (f, dataset.ImageSource(f.Key))).ToArray();
        BatchSize = batchSize;
        Device = device ?? CPU;
        _order = Enumerable.Range(0, _sampler.Count).ToArray();
        _rng = new NumpyRandomState(seed);
        Shuffle();
    }

    private static float[] NormalizedCopy(EpisodeDataset d, string key, IReadOnlyDictionary<string, Normalizer> normalizers)
    {
        var f = d.Feature(key);
        if (!normalizers.TryGetValue(key, out var n)) throw new ArgumentException($"no normalizer for feature '{key}'");
        if (n.Dim != f.Size) throw new ArgumentException($"normalizer for '{key}' has {n.Dim} components, the feature {f.Size}");
        var copy = (float[])d.Values(key).Clone();
        n.Normalize(copy);
        return copy;
    }

    private void Shuffle()
    {
        _rng.Shuffle(_order);
        _cursor = 0;
    }

    /// <summary>Shuffle state, saved with a checkpoint so a resumed run draws the same batches.</summary>
    public sealed record State(int[] Order, int Cursor, int Epoch, NumpyRandomState.Snapshot Rng);

    public State SaveState() => new((int[])_order.Clone(), _cursor, Epoch, _rng.Save());

    public void RestoreState(State s)
    {
        if (s.Order.Length != _order.Length) throw new InvalidDataException($"saved sampler state has {s.Order.Length} windows, this dataset split has {_order.Length}");
        s.Order.CopyTo(_order, 0);
        _cursor = s.Cursor;
        Epoch = s.Epoch;
        _rng.Restore(s.Rng);
    }

    /// <summary>The next shuffled batch (always full size; a new epoch starts, reshuffled, when too few windows remain).</summary>
    public Batch Next()
    {
        int n = Math.Min(BatchSize, _order.Length);
        if (_cursor + n > _order.Length) { Shuffle(); Epoch++; }
        var batch = Assemble(_order.AsSpan(_cursor, n));
        _cursor += n;
        Prefetch(_order.AsSpan(_cursor, Math.Min(PrefetchBatches * n, _order.Length - _cursor)));
        return batch;
    }

    /// <summary>Every window once, in order (for validation); the last batch may be smaller.</summary>
    public IEnumerable<Batch> All()
    {
        var indices = Enumerable.Range(0, _sampler.Count).ToArray();
        for (int i = 0; i < indices.Length; i += BatchSize)
            yield return Assemble(indices.AsSpan(i, Math.Min(BatchSize, indices.Length - i)));
    }

    /// <summary>Builds the batch for the given window indices.</summary>
    public Batch Assemble(ReadOnlySpan<int> windows)
    {
        int b = windows.Length;
        var features = new Dictionary<string, Tensor>(_features.Length);
        var isPad = new Dictionary<string, Tensor>(_features.Length);
        foreach (var (input, values, dim) in _features)
        {
            int frames = input.Count;
            var t = torch.empty([b, frames, dim], ScalarType.Float32);
            var pad = torch.empty([b, frames], ScalarType.Bool);
            var dest = MemoryMarshal.Cast<byte, float>(t.bytes);
            var p = pad.bytes;
            for (int i = 0; i < b; i++)
            {
                _sampler.Copy(windows[i], values, dim, input.First, frames, dest.Slice(i * frames * dim, frames * dim));
                for (int k = 0; k < frames; k++) p[i * frames + k] = _sampler.FrameAt(windows[i], input.First + k).IsPad ? (byte)1 : (byte)0;
            }
            features[input.Key] = ToDevice(t);
            isPad[input.Key] = ToDevice(pad);
        }
        foreach (var (input, frames) in _images)
        {
            var (t, pad) = AssembleImages(windows, input, frames);
            features[input.Key] = ToDevice(t);
            isPad[input.Key] = ToDevice(pad);
        }
        return new Batch(features, isPad);
    }

    /// <summary>(B, frames, C, H, W) uint8 from H x W x C frames, and the pad mask (B, frames).</summary>
    private (Tensor Images, Tensor IsPad) AssembleImages(ReadOnlySpan<int> windows, InputFeature input, ImageFrames source)
    {
        int b = windows.Length, frames = input.Count, c = source.Channels, hw = source.Height * source.Width, size = source.FrameBytes;
        var t = torch.empty([b, frames, c, source.Height, source.Width], ScalarType.Byte);
        var pad = torch.empty([b, frames], ScalarType.Bool);
        var p = pad.bytes;
        var at = new (long Frame, int Slot)[b * frames];
        for (int i = 0; i < b; i++)
            for (int k = 0; k < frames; k++)
            {
                var (frame, isPad) = _sampler.FrameAt(windows[i], input.First + k);
                p[i * frames + k] = isPad ? (byte)1 : (byte)0;
                at[i * frames + k] = (frame, i * frames + k);
            }
        source.Prefetch(at.Select(x => x.Frame));
        var all = System.Buffers.ArrayPool<byte>.Shared.Rent(at.Length * size);
        Numerics.Parallelism.For(0, at.Length, j =>
        {
            var hwc = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
            source.CopyFrame(at[j].Frame, hwc.AsSpan(0, size));
            var chw = all.AsSpan(at[j].Slot * size, size);
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < hw; i++) chw[ch * hw + i] = hwc[i * c + ch];
            System.Buffers.ArrayPool<byte>.Shared.Return(hwc);
        }, maxThreads: 2);
        all.AsSpan(0, at.Length * size).CopyTo(t.bytes);
        System.Buffers.ArrayPool<byte>.Shared.Return(all);
        return (t, pad);
    }

    /// <summary>Asks video-backed image features to decode the frames of these windows now, in the background.</summary>
    private void Prefetch(ReadOnlySpan<int> windows)
    {
        if (_images.Length == 0 || windows.Length == 0) return;
        foreach (var (input, frames) in _images)
        {
            if (frames is MemoryFrames) continue;
            var wanted = new List<long>(windows.Length * input.Count);
            foreach (int w in windows)
                for (int k = 0; k < input.Count; k++) wanted.Add(_sampler.FrameAt(w, input.First + k).Frame);
            frames.Prefetch(wanted);
        }
    }

    private Tensor ToDevice(Tensor t)
    {
        if (Device.type == DeviceType.CPU) return t;
        var moved = t.to(Device);
        t.Dispose();
        return moved;
    }
}
