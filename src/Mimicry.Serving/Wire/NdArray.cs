using System.Buffers.Binary;

namespace Mimicry.Serving.Wire;

/// <summary>
/// A numpy array as openpi's <c>msgpack_numpy</c> carries it: the dtype string (<c>dtype.str</c>, e.g. "&lt;f4", "|u1"),
/// the shape and the raw C-order bytes.
/// </summary>
public sealed record NdArray(string Dtype, long[] Shape, byte[] Data)
{
    /// <summary>Number of elements (the product of the shape).</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>A float32 array ("&lt;f4") of the given shape.</summary>
    public static NdArray Float32(ReadOnlySpan<float> values, params long[] shape)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        return Checked(new NdArray("<f4", shape, data));
    }

    /// <summary>A uint8 array ("|u1") of the given shape, e.g. an RGB image (H, W, 3).</summary>
    public static NdArray UInt8(ReadOnlySpan<byte> values, params long[] shape) => Checked(new NdArray("|u1", shape, values.ToArray()));

    private static NdArray Checked(NdArray a) =>
        a.Count * a.ItemSize == a.Data.Length ? a : throw new ArgumentException($"{a.Data.Length} bytes do not hold an array of shape ({string.Join(", ", a.Shape)}) of {a.Dtype}");

    /// <summary>Bytes per element of the dtype (0 for a dtype Mimicry does not read).</summary>
    public int ItemSize => Kind(Dtype)?.Size ?? 0;

    /// <summary>The values as float32, whatever numeric dtype they came in; <paramref name="key"/> names the array in errors.</summary>
    /// <exception cref="InvalidDataException">An unreadable dtype, or data that does not match the shape.</exception>
    public float[] ToFloats(string key)
    {
        var kind = Kind(Dtype) ?? throw new InvalidDataException($"'{key}': dtype '{Dtype}' is not a numeric dtype Mimicry reads (float16/32/64, (u)int8/16/32/64, bool; little-endian)");
        if (Count * kind.Size != Data.Length)
            throw new InvalidDataException($"'{key}': {Data.Length} bytes of data for shape ({string.Join(", ", Shape)}) of {Dtype} ({Count * kind.Size} expected)");
        var result = new float[Count];
        var d = Data.AsSpan();
        for (int i = 0; i < result.Length; i++)
        {
            var at = d.Slice(i * kind.Size, kind.Size);
            result[i] = kind.Code switch
            {
                'f' when kind.Size == 2 => (float)BinaryPrimitives.ReadHalfLittleEndian(at),
                'f' when kind.Size == 4 => BinaryPrimitives.ReadSingleLittleEndian(at),
                'f' => (float)BinaryPrimitives.ReadDoubleLittleEndian(at),
                'u' when kind.Size == 1 => at[0],
                'u' when kind.Size == 2 => BinaryPrimitives.ReadUInt16LittleEndian(at),
                'u' when kind.Size == 4 => BinaryPrimitives.ReadUInt32LittleEndian(at),
                'u' => BinaryPrimitives.ReadUInt64LittleEndian(at),
                'i' when kind.Size == 1 => (sbyte)at[0],
                'i' when kind.Size == 2 => BinaryPrimitives.ReadInt16LittleEndian(at),
                'i' when kind.Size == 4 => BinaryPrimitives.ReadInt32LittleEndian(at),
                'i' => BinaryPrimitives.ReadInt64LittleEndian(at),
                _ => at[0] != 0 ? 1f : 0f, // 'b'
            };
        }
        return result;
    }

    /// <summary>numpy's dtype.str: byte order ('&lt;' little, '|' not applicable), kind code, item size.</summary>
    private static (char Code, int Size)? Kind(string dtype)
    {
        if (dtype.Length < 3 || (dtype[0] != '<' && dtype[0] != '|' && dtype[0] != '=')) return null; // '>' big-endian: refused
        if (!int.TryParse(dtype.AsSpan(2), out int size)) return null;
        return (dtype[1], size) switch
        {
            ('f', 2 or 4 or 8) or ('u', 1 or 2 or 4 or 8) or ('i', 1 or 2 or 4 or 8) or ('b', 1) => (dtype[1], size),
            _ => null,
        };
    }

    public override string ToString() => $"ndarray({Dtype}, ({string.Join(", ", Shape)}))";
}
