using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Mimicry.Numerics;

namespace Mimicry.Data.Zarr;

/// <summary>Element types a Zarr v2 array may hold here (little-endian or single-byte).</summary>
public enum ZarrDType { Bool, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float32, Float64 }

/// <summary>
/// A Zarr v2 array on disk (<c>.zarray</c> JSON + one file per chunk named "i.j.k"), C order.
/// Compressors: none, <c>blosc</c> (see <see cref="Blosc"/>) and <c>zstd</c>. Missing chunks read as
/// <c>fill_value</c>. Errors name the array and chunk.
/// </summary>
public sealed class ZarrArray
{
    public string Path { get; }
    public long[] Shape { get; }
    public int[] Chunks { get; }
    public ZarrDType DType { get; }
    public int ItemSize { get; }
    private readonly string? _compressor;
    private readonly double _fill;
    private readonly char _separator;

    private ZarrArray(string path, long[] shape, int[] chunks, ZarrDType dtype, int itemSize, string? compressor, double fill, char separator)
    {
        Path = path; Shape = shape; Chunks = chunks; DType = dtype; ItemSize = itemSize;
        _compressor = compressor; _fill = fill; _separator = separator;
    }

    /// <summary>Opens the array in folder <paramref name="path"/> (reads only its metadata).</summary>
    public static ZarrArray Open(string path)
    {
        string meta = System.IO.Path.Combine(path, ".zarray");
        if (!File.Exists(meta)) throw new FileNotFoundException($"not a Zarr v2 array: {meta} is missing", meta);
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(meta)).RootElement; }
        catch (JsonException e) { throw new InvalidDataException($"{meta}: invalid JSON ({e.Message})", e); }
        try
        {
            int format = root.GetProperty("zarr_format").GetInt32();
            if (format != 2) throw new InvalidDataException($"{meta}: zarr_format {format} is not supported (only 2)");
            var shape = root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var chunks = root.GetProperty("chunks").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            if (shape.Length != chunks.Length) throw new InvalidDataException($"{meta}: shape has {shape.Length} dims, chunks {chunks.Length}");
            if (chunks.Any(c => c <= 0)) throw new InvalidDataException($"{meta}: chunks must be positive");
            string order = root.TryGetProperty("order", out var o) ? o.GetString() ?? "C" : "C";
            if (order != "C") throw new InvalidDataException($"{meta}: order '{order}' is not supported (only C)");
            if (root.TryGetProperty("filters", out var f) && f.ValueKind != JsonValueKind.Null && f.GetArrayLength() > 0)
                throw new InvalidDataException($"{meta}: filters are not supported");
            var (dtype, size) = ParseDType(root.GetProperty("dtype").GetString() ?? "", meta);
            string? compressor = null;
            if (root.TryGetProperty("compressor", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                compressor = c.GetProperty("id").GetString();
                if (compressor is not ("blosc" or "zstd"))
                    throw new InvalidDataException($"{meta}: compressor '{compressor}' is not supported (blosc, zstd or none)");
            }
            double fill = 0;
            if (root.TryGetProperty("fill_value", out var fv) && fv.ValueKind == JsonValueKind.Number) fill = fv.GetDouble();
            char sep = root.TryGetProperty("dimension_separator", out var ds) && ds.GetString() == "/" ? '/' : '.';
            return new ZarrArray(path, shape, chunks, dtype, size, compressor, fill, sep);
        }
        catch (KeyNotFoundException e) { throw new InvalidDataException($"{meta}: missing field ({e.Message})", e); }
    }

    private static (ZarrDType, int) ParseDType(string s, string meta)
    {
        if (s.Length < 3 || (s[0] == '>' && s[2] != '1')) throw new InvalidDataException($"{meta}: dtype '{s}' is not supported (little-endian only)");
        return s[1..] switch
        {
            "b1" => (ZarrDType.Bool, 1), "u1" => (ZarrDType.UInt8, 1),
            "i2" => (ZarrDType.Int16, 2), "u2" => (ZarrDType.UInt16, 2),
            "i4" => (ZarrDType.Int32, 4), "u4" => (ZarrDType.UInt32, 4),
            "i8" => (ZarrDType.Int64, 8), "u8" => (ZarrDType.UInt64, 8),
            "f4" => (ZarrDType.Float32, 4), "f8" => (ZarrDType.Float64, 8),
            _ => throw new InvalidDataException($"{meta}: dtype '{s}' is not supported"),
        };
    }

    /// <summary>Number of values in one row along axis 0 (product of the other dims).</summary>
    public long RowLength => Shape.Skip(1).Aggregate(1L, (a, b) => a * b);

    /// <summary>Reads rows [start, start+count) along axis 0 as raw little-endian bytes, C order.</summary>
    public byte[] ReadRowsRaw(long start, long count)
    {
        if (Shape.Length == 0) throw new NotSupportedException($"{Path}: 0-d arrays are not supported");
        if (start < 0 || count < 0 || start + count > Shape[0]) throw new ArgumentOutOfRangeException(nameof(count), $"{Path}: rows [{start}, {start + count}) outside [0, {Shape[0]})");
        long rowBytes = RowLength * ItemSize;
        long total = rowBytes * count;
        if (total > Array.MaxLength) throw new NotSupportedException($"{Path}: {total} bytes do not fit one array; read fewer rows");
        var result = new byte[total];
        if (count == 0) return result;
        int nd = Shape.Length;
        var grid = new long[nd];
        for (int d = 0; d < nd; d++) grid[d] = (Shape[d] + Chunks[d] - 1) / Chunks[d];
        long firstChunk = start / Chunks[0], lastChunk = (start + count - 1) / Chunks[0];
        long innerChunks = grid.Skip(1).Aggregate(1L, (a, b) => a * b);
        var work = new List<long[]>();
        for (long c0 = firstChunk; c0 <= lastChunk; c0++)
            for (long inner = 0; inner < innerChunks; inner++)
            {
                var idx = new long[nd];
                idx[0] = c0;
                long rem = inner;
                for (int d = nd - 1; d >= 1; d--) { idx[d] = rem % grid[d]; rem /= grid[d]; }
                work.Add(idx);
            }
        Parallelism.ForEach(work, idx => CopyChunk(idx, start, count, result));
        return result;
    }

    private void CopyChunk(long[] idx, long start, long count, byte[] result)
    {
        int nd = Shape.Length;
        byte[] chunk = ReadChunk(idx);
        // Copy the part of this chunk that lies in rows [start, start+count), row by innermost run.
        var chunkStrides = new long[nd];
        var outStrides = new long[nd];
        chunkStrides[nd - 1] = 1; outStrides[nd - 1] = 1;
        for (int d = nd - 2; d >= 0; d--)
        {
            chunkStrides[d] = chunkStrides[d + 1] * Chunks[d + 1];
            outStrides[d] = outStrides[d + 1] * Shape[d + 1];
        }
        var lo = new long[nd];
        var hi = new long[nd];
        for (int d = 0; d < nd; d++)
        {
            lo[d] = idx[d] * Chunks[d];
            hi[d] = Math.Min(lo[d] + Chunks[d], Shape[d]);
        }
        lo[0] = Math.Max(lo[0], start);
        hi[0] = Math.Min(hi[0], start + count);
        long run = (hi[nd - 1] - lo[nd - 1]) * ItemSize;
        var pos = (long[])lo.Clone();
        while (true)
        {
            long src = 0, dst = 0;
            for (int d = 0; d < nd; d++)
            {
                src += (pos[d] - idx[d] * Chunks[d]) * chunkStrides[d];
                dst += (d == 0 ? pos[0] - start : pos[d]) * outStrides[d];
            }
            Buffer.BlockCopy(chunk, (int)(src * ItemSize), result, (int)(dst * ItemSize), (int)run);
            int k = nd - 2;
            while (k >= 0)
            {
                if (++pos[k] < hi[k]) break;
                pos[k] = lo[k];
                k--;
            }
            if (k < 0) break;
        }
    }

    /// <summary>Whether a missing chunk file reads as the fill value (zarr's rule); off: an error naming the chunk.</summary>
    public bool AllowMissingChunks { get; set; }

    /// <summary>Decodes one whole chunk (chunk shape, C order). A missing chunk is an error, or the fill value when allowed.</summary>
    public byte[] ReadChunk(long[] idx)
    {
        string key = string.Join(_separator, idx);
        string file = System.IO.Path.Combine(Path, key);
        long n = Chunks.Aggregate(1L, (a, b) => a * b);
        var chunk = new byte[n * ItemSize];
        if (!File.Exists(file))
        {
            if (!AllowMissingChunks)
                throw new InvalidDataException($"Zarr array '{Path}': chunk '{key}' is missing ({file}); zarr would read it as the fill value {_fill}. " +
                    "If the store was written sparse on purpose, pass --allow-missing-chunks");
            Fill(chunk);
            return chunk;
        }
        byte[] raw = File.ReadAllBytes(file);
        try
        {
            switch (_compressor)
            {
                case null:
                    if (raw.Length != chunk.Length) throw new InvalidDataException($"{raw.Length} bytes, expected {chunk.Length}");
                    raw.CopyTo(chunk, 0);
                    break;
                case "blosc":
                    Blosc.Decompress(raw, chunk);
                    break;
                case "zstd":
                    using (var z = new ZstdSharp.Decompressor())
                    {
                        int w = z.Unwrap(raw, chunk);
                        if (w != chunk.Length) throw new InvalidDataException($"decompressed to {w} bytes, expected {chunk.Length}");
                    }
                    break;
            }
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException or NotSupportedException or IndexOutOfRangeException or ArgumentException)
        {
            throw new InvalidDataException($"Zarr array '{Path}', chunk '{key}': {e.Message}", e);
        }
        return chunk;
    }

    private void Fill(byte[] chunk)
    {
        if (_fill == 0) return;
        var one = new byte[ItemSize];
        switch (DType)
        {
            case ZarrDType.Float32: BinaryPrimitives.WriteSingleLittleEndian(one, (float)_fill); break;
            case ZarrDType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(one, _fill); break;
            case ZarrDType.Int64 or ZarrDType.UInt64: BinaryPrimitives.WriteInt64LittleEndian(one, (long)_fill); break;
            case ZarrDType.Int32 or ZarrDType.UInt32: BinaryPrimitives.WriteInt32LittleEndian(one, (int)_fill); break;
            case ZarrDType.Int16 or ZarrDType.UInt16: BinaryPrimitives.WriteInt16LittleEndian(one, (short)_fill); break;
            default: one[0] = (byte)_fill; break;
        }
        for (int i = 0; i < chunk.Length; i += ItemSize) one.CopyTo(chunk, i);
    }

    /// <summary>Reads the whole array as float32 (converting integer or float64 values).</summary>
    public float[] ReadFloat32() => ReadFloat32Rows(0, Shape[0]);

    /// <summary>Reads rows [start, start+count) as float32.</summary>
    public float[] ReadFloat32Rows(long start, long count)
    {
        var raw = ReadRowsRaw(start, count);
        return DType switch
        {
            ZarrDType.Float32 => MemoryMarshal.Cast<byte, float>(raw).ToArray(),
            ZarrDType.Float64 => MemoryMarshal.Cast<byte, double>(raw).ToArray().Select(v => (float)v).ToArray(),
            _ => ReadFloat64Of(raw).Select(v => (float)v).ToArray(),
        };
    }

    /// <summary>Reads the whole array as int64 (integers only).</summary>
    public long[] ReadInt64()
    {
        var raw = ReadRowsRaw(0, Shape[0]);
        return DType switch
        {
            ZarrDType.Int64 or ZarrDType.UInt64 => MemoryMarshal.Cast<byte, long>(raw).ToArray(),
            ZarrDType.Int32 => MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (long)v).ToArray(),
            ZarrDType.UInt32 => MemoryMarshal.Cast<byte, uint>(raw).ToArray().Select(v => (long)v).ToArray(),
            _ => throw new InvalidDataException($"{Path}: expected an integer array, found {DType}"),
        };
    }

    private double[] ReadFloat64Of(byte[] raw) => DType switch
    {
        ZarrDType.Bool or ZarrDType.UInt8 => raw.Select(b => (double)b).ToArray(),
        ZarrDType.Int16 => MemoryMarshal.Cast<byte, short>(raw).ToArray().Select(v => (double)v).ToArray(),
        ZarrDType.UInt16 => MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(v => (double)v).ToArray(),
        ZarrDType.Int32 => MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (double)v).ToArray(),
        ZarrDType.UInt32 => MemoryMarshal.Cast<byte, uint>(raw).ToArray().Select(v => (double)v).ToArray(),
        ZarrDType.Int64 => MemoryMarshal.Cast<byte, long>(raw).ToArray().Select(v => (double)v).ToArray(),
        ZarrDType.UInt64 => MemoryMarshal.Cast<byte, ulong>(raw).ToArray().Select(v => (double)v).ToArray(),
        _ => throw new InvalidOperationException(),
    };
}
