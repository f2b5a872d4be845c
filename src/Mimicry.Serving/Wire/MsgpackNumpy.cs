using System.Buffers;
using System.Text;
using MessagePack;

namespace Mimicry.Serving.Wire;

/// <summary>
/// openpi's wire format (openpi-client <c>msgpack_numpy.py</c>): msgpack whose numpy arrays are maps
/// <c>{b"__ndarray__": True, b"data": bytes, b"dtype": "&lt;f4", b"shape": [..]}</c> and numpy scalars
/// <c>{b"__npgeneric__": True, b"data": item, b"dtype": str}</c>. The keys of those two maps are msgpack
/// <b>bin</b> (Python bytes): a peer that writes them as str is not recognised by Python's object_hook, so
/// they are written as bin here and read as either. Payload keys are str.
/// Values: null, bool, long, double, string, byte[] (bin), <see cref="List{T}"/> of values,
/// <see cref="Dictionary{TKey,TValue}"/> string → value, <see cref="NdArray"/>.
/// </summary>
public static class MsgpackNumpy
{
    /// <summary>Nesting deeper than this is refused (a hostile frame must not exhaust the stack).</summary>
    public const int MaxDepth = 32;

    private static readonly byte[] NdarrayKey = "__ndarray__"u8.ToArray(), NpgenericKey = "__npgeneric__"u8.ToArray(),
        DataKey = "data"u8.ToArray(), DtypeKey = "dtype"u8.ToArray(), ShapeKey = "shape"u8.ToArray();

    /// <summary>msgpack bytes of a value (see the class for what a value is).</summary>
    public static byte[] Pack(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, value, 0);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ref MessagePackWriter w, object? value, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"a value nested deeper than {MaxDepth} levels");
        switch (value)
        {
            case null: w.WriteNil(); break;
            case bool b: w.Write(b); break;
            case int i: w.Write(i); break;
            case long l: w.Write(l); break;
            case float f: w.Write((double)f); break; // Python floats are float64
            case double d: w.Write(d); break;
            case string s: w.Write(s); break;
            case byte[] bytes: w.Write(bytes.AsSpan()); break;
            case NdArray a:
                w.WriteMapHeader(4);
                w.Write(NdarrayKey.AsSpan()); w.Write(true);
                w.Write(DataKey.AsSpan()); w.Write(a.Data.AsSpan());
                w.Write(DtypeKey.AsSpan()); w.Write(a.Dtype);
                w.Write(ShapeKey.AsSpan()); w.WriteArrayHeader(a.Shape.Length);
                foreach (long n in a.Shape) w.Write(n);
                break;
            case IReadOnlyDictionary<string, object?> map:
                w.WriteMapHeader(map.Count);
                foreach (var (k, v) in map) { w.Write(k); Write(ref w, v, depth + 1); }
                break;
            case System.Collections.IEnumerable items:
                var list = items.Cast<object?>().ToList();
                w.WriteArrayHeader(list.Count);
                foreach (var item in list) Write(ref w, item, depth + 1);
                break;
            default: throw new ArgumentException($"cannot write a {value.GetType().Name} as msgpack");
        }
    }

    /// <summary>The value a msgpack frame holds.</summary>
    /// <exception cref="InvalidDataException">The frame is not one whole msgpack value, or an array map is malformed; the message says where.</exception>
    public static object? Unpack(ReadOnlyMemory<byte> frame)
    {
        var reader = new MessagePackReader(frame);
        try
        {
            var value = Read(ref reader, "", 0);
            if (!reader.End) throw new InvalidDataException($"{frame.Length - reader.Consumed} bytes follow the msgpack value");
            return value;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException or DecoderFallbackException)
        {
            throw new InvalidDataException($"malformed msgpack frame at byte {reader.Consumed}: {e.Message}");
        }
    }

    private static object? Read(ref MessagePackReader r, string path, int depth)
    {
        if (depth > MaxDepth) throw new InvalidDataException($"'{path}': nested deeper than {MaxDepth} levels");
        switch (r.NextMessagePackType)
        {
            case MessagePackType.Nil: r.ReadNil(); return null;
            case MessagePackType.Boolean: return r.ReadBoolean();
            case MessagePackType.Integer: return r.NextCode == MessagePackCode.UInt64 ? (object)r.ReadUInt64() : r.ReadInt64();
            case MessagePackType.Float: return r.ReadDouble();
            case MessagePackType.String: return r.ReadString();
            case MessagePackType.Binary: return r.ReadBytes()!.Value.ToArray();
            case MessagePackType.Array:
            {
                int n = r.ReadArrayHeader();
                var list = new List<object?>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++) list.Add(Read(ref r, $"{path}[{i}]", depth + 1));
                return list;
            }
            case MessagePackType.Map:
            {
                int n = r.ReadMapHeader();
                var map = new Dictionary<string, object?>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++)
                {
                    string key = r.NextMessagePackType switch
                    {
                        MessagePackType.String => r.ReadString()!,
                        MessagePackType.Binary => Encoding.UTF8.GetString(r.ReadBytes()!.Value),
                        var t => throw new InvalidDataException($"'{path}': a map key is a msgpack {t}, not a string"),
                    };
                    string at = path.Length == 0 ? key : $"{path}.{key}";
                    if (!map.TryAdd(key, Read(ref r, at, depth + 1))) throw new InvalidDataException($"'{at}': the key appears twice");
                }
                return map.ContainsKey("__ndarray__") ? ToArray(map, path) : map.ContainsKey("__npgeneric__") ? ToScalar(map, path) : map;
            }
            default: throw new InvalidDataException($"'{path}': msgpack {r.NextMessagePackType} values are not part of the format");
        }
    }

    private static NdArray ToArray(Dictionary<string, object?> m, string path)
    {
        string name = path.Length == 0 ? "the frame" : path;
        if (m.GetValueOrDefault("data") is not byte[] data) throw new InvalidDataException($"'{name}': an __ndarray__ map without bin 'data'");
        if (m.GetValueOrDefault("dtype") is not string dtype) throw new InvalidDataException($"'{name}': an __ndarray__ map without a dtype string");
        if (m.GetValueOrDefault("shape") is not List<object?> dims || dims.Any(d => d is not long and not ulong))
            throw new InvalidDataException($"'{name}': an __ndarray__ map without an integer shape list");
        var shape = dims.Select(d => d is long l ? l : -1L).ToArray();
        if (shape.Any(d => d < 0)) throw new InvalidDataException($"'{name}': negative or huge dimension in shape ({string.Join(", ", dims)})");
        var array = new NdArray(dtype, shape, data);
        long count;
        try { count = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * Math.Max(1, array.ItemSize)); }
        catch (OverflowException) { throw new InvalidDataException($"'{name}': shape ({string.Join(", ", shape)}) overflows"); }
        if (array.ItemSize > 0 && count != data.Length)
            throw new InvalidDataException($"'{name}': {data.Length} bytes of data for shape ({string.Join(", ", shape)}) of {dtype} ({count} expected)");
        return array;
    }

    private static object? ToScalar(Dictionary<string, object?> m, string path) =>
        m.TryGetValue("data", out var v) ? v : throw new InvalidDataException($"'{path}': an __npgeneric__ map without 'data'");
}
