using System.Buffers.Binary;
using System.Text.Json;

namespace Mimicry.IO;

/// <summary>
/// Checks a safetensors file's framing before TorchSharp reads it: an 8-byte little-endian header length,
/// a JSON header, and tensor data whose offsets must lie inside the file. A truncated or overwritten file
/// is then reported as such, not as an architecture mismatch.
/// </summary>
public static class SafetensorsFile
{
    public static void Validate(string file)
    {
        var info = new FileInfo(file);
        if (!info.Exists) throw new FileNotFoundException($"weights not found: {file}", file);
        if (info.Length < 8) throw Corrupt(file, $"{info.Length} bytes, shorter than the 8-byte header length");
        using var stream = File.OpenRead(file);
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > (ulong)(info.Length - 8)) throw Corrupt(file, $"its header claims {headerLength} bytes, the file has {info.Length - 8} after the length");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long maxEnd = 0;
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var tensor in doc.RootElement.EnumerateObject())
            {
                if (tensor.Name == "__metadata__") continue;
                var offsets = tensor.Value.GetProperty("data_offsets");
                maxEnd = Math.Max(maxEnd, offsets[1].GetInt64());
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw Corrupt(file, $"its JSON header does not parse ({e.Message})");
        }
        long data = info.Length - 8 - (long)headerLength;
        if (maxEnd > data) throw Corrupt(file, $"its tensors need {maxEnd} bytes of data, the file holds {data} (truncated)");
    }

    private static InvalidDataException Corrupt(string file, string why) => new($"{file} is not a complete safetensors file: {why}");
}
