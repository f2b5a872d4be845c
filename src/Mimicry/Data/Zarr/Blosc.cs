using System.Buffers.Binary;
using System.IO.Compression;

namespace Mimicry.Data.Zarr;

/// <summary>
/// Decompresses a Blosc 1.x frame (the format numcodecs' Blosc codec writes): a 16-byte header
/// (version, versionlz, flags, typesize, nbytes, blocksize, cbytes), a table of block offsets, then
/// per block one or <c>typesize</c> compressed streams, each prefixed by its compressed length.
/// Codecs: zstd (ZstdSharp), lz4 (K4os), zlib (System.IO.Compression). Filters: byte-shuffle and
/// bit-shuffle. Follows c-blosc's blosc/blosc.c (blosc_d) and blosc/shuffle.c (bitunshuffle).
/// </summary>
public static class Blosc
{
    private const int HeaderSize = 16;
    private const byte DoShuffle = 0x1, MemCopied = 0x2, DoBitShuffle = 0x4, DoDelta = 0x8, DontSplit = 0x10;
    private const int MinBufferSize = 128;

    /// <summary>Decompressed size announced by a frame's header.</summary>
    public static int DecompressedSize(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < HeaderSize) throw new InvalidDataException($"Blosc frame is {frame.Length} bytes, shorter than its 16-byte header");
        return BinaryPrimitives.ReadInt32LittleEndian(frame[4..]);
    }

    /// <summary>Decompresses a whole frame into <paramref name="destination"/> (exactly the announced size).</summary>
    public static void Decompress(ReadOnlySpan<byte> frame, Span<byte> destination)
    {
        if (frame.Length < HeaderSize) throw new InvalidDataException($"Blosc frame is {frame.Length} bytes, shorter than its 16-byte header");
        byte version = frame[0], flags = frame[2];
        int typesize = frame[3];
        int nbytes = BinaryPrimitives.ReadInt32LittleEndian(frame[4..]);
        int blocksize = BinaryPrimitives.ReadInt32LittleEndian(frame[8..]);
        int cbytes = BinaryPrimitives.ReadInt32LittleEndian(frame[12..]);
        if (version == 0 || version > 3) throw new InvalidDataException($"unsupported Blosc format version {version}");
        if (cbytes > frame.Length) throw new InvalidDataException($"Blosc frame is truncated: header says {cbytes} bytes, have {frame.Length}");
        if (nbytes != destination.Length) throw new InvalidDataException($"Blosc frame holds {nbytes} bytes, expected {destination.Length}");
        if ((flags & DoDelta) != 0) throw new NotSupportedException("Blosc delta filter is not supported");
        if (nbytes == 0) return;
        if ((flags & MemCopied) != 0)
        {
            if (frame.Length < HeaderSize + nbytes) throw new InvalidDataException("Blosc memcpy frame is truncated");
            frame.Slice(HeaderSize, nbytes).CopyTo(destination);
            return;
        }
        if (blocksize <= 0 || typesize <= 0) throw new InvalidDataException($"bad Blosc header (blocksize {blocksize}, typesize {typesize})");
        int compressor = flags >> 5;
        int nblocks = nbytes / blocksize, leftover = nbytes % blocksize;
        if (leftover > 0) nblocks++;
        if (frame.Length < HeaderSize + 4 * nblocks) throw new InvalidDataException("Blosc block table is truncated");

        byte[] tmp = new byte[blocksize];
        for (int b = 0; b < nblocks; b++)
        {
            int bsize = (b == nblocks - 1 && leftover > 0) ? leftover : blocksize;
            int start = BinaryPrimitives.ReadInt32LittleEndian(frame[(HeaderSize + 4 * b)..]);
            var dest = destination.Slice(b * blocksize, bsize);
            bool shuffled = ((flags & DoShuffle) != 0 && typesize > 1) || ((flags & DoBitShuffle) != 0 && bsize >= typesize);
            var target = shuffled ? tmp.AsSpan(0, bsize) : dest;
            bool split = (flags & DontSplit) == 0 && typesize <= 16 && bsize / typesize >= MinBufferSize && bsize % typesize == 0;
            int nsplits = split ? typesize : 1, splitSize = bsize / nsplits;
            int pos = start;
            for (int s = 0; s < nsplits; s++)
            {
                if (pos < 0 || pos + 4 > frame.Length) throw new InvalidDataException($"Blosc block {b} is truncated");
                int csize = BinaryPrimitives.ReadInt32LittleEndian(frame[pos..]);
                pos += 4;
                if (csize < 0 || pos + csize > frame.Length) throw new InvalidDataException($"Blosc block {b} stream {s} is truncated ({csize} bytes announced)");
                var src = frame.Slice(pos, csize);
                var outSplit = target.Slice(s * splitSize, splitSize);
                if (csize == splitSize) src.CopyTo(outSplit); // stored uncompressed
                else Codec(compressor, src, outSplit, b);
                pos += csize;
            }
            if ((flags & DoShuffle) != 0 && typesize > 1) ByteUnshuffle(target, dest, typesize);
            else if ((flags & DoBitShuffle) != 0 && bsize >= typesize) BitUnshuffle(target, dest, typesize, version);
        }
    }

    private static void Codec(int compressor, ReadOnlySpan<byte> src, Span<byte> dest, int block)
    {
        int written;
        switch (compressor)
        {
            case 4: // zstd
                using (var z = new ZstdSharp.Decompressor())
                {
                    try { written = z.Unwrap(src, dest); }
                    catch (ZstdSharp.ZstdException e) { throw new InvalidDataException($"zstd stream of block {block} is corrupt: {e.Message}", e); }
                }
                break;
            case 1: // lz4
                written = K4os.Compression.LZ4.LZ4Codec.Decode(src, dest);
                if (written < 0) throw new InvalidDataException($"lz4 stream of block {block} is corrupt");
                break;
            case 3: // zlib
                using (var ms = new MemoryStream(src.ToArray()))
                using (var zs = new ZLibStream(ms, CompressionMode.Decompress))
                {
                    written = 0;
                    int n;
                    while (written < dest.Length && (n = zs.Read(dest[written..])) > 0) written += n;
                }
                break;
            case 0: throw new NotSupportedException("Blosc's blosclz codec is not supported (use zstd, lz4 or zlib)");
            default: throw new NotSupportedException($"unknown Blosc codec {compressor}");
        }
        if (written != dest.Length) throw new InvalidDataException($"block {block} decompressed to {written} bytes, expected {dest.Length}");
    }

    /// <summary>Inverse byte-shuffle: byte j of element i sits at j*n + i.</summary>
    internal static void ByteUnshuffle(ReadOnlySpan<byte> src, Span<byte> dest, int typesize)
    {
        int n = src.Length / typesize;
        for (int j = 0; j < typesize; j++)
            for (int i = 0; i < n; i++)
                dest[i * typesize + j] = src[j * n + i];
        int tail = n * typesize;
        src[tail..].CopyTo(dest[tail..]);
    }

    /// <summary>
    /// Inverse bit-shuffle (bitshuffle's <c>bshuf_untrans_bit_elem</c>): the shuffled block is
    /// <c>typesize*8</c> bit planes of n/8 bytes; bit i of plane (j*8+b) is bit b of byte j of element i.
    /// Only a multiple of 8 elements is shuffled. Frames of format version 2 leave a block whose
    /// element count is not a multiple of 8 entirely unshuffled; later versions shuffle the largest
    /// multiple of 8 and copy the remaining bytes (c-blosc shuffle.c).
    /// </summary>
    internal static void BitUnshuffle(ReadOnlySpan<byte> src, Span<byte> dest, int typesize, int version)
    {
        int n = src.Length / typesize;
        if (version <= 2 && n % 8 != 0) { src.CopyTo(dest); return; }
        n -= n % 8;
        int rowBytes = n / 8;
        for (int j = 0; j < typesize; j++)
        {
            for (int g = 0; g < rowBytes; g++)
            {
                // Gather byte g of the 8 bit planes of byte j, transpose the 8x8 bit matrix.
                ulong x = 0;
                for (int b = 0; b < 8; b++) x |= (ulong)src[(j * 8 + b) * rowBytes + g] << (8 * b);
                x = Transpose8x8(x);
                for (int m = 0; m < 8; m++) dest[(g * 8 + m) * typesize + j] = (byte)(x >> (8 * m));
            }
        }
        int tail = n * typesize;
        src[tail..].CopyTo(dest[tail..]);
    }

    /// <summary>Transposes an 8x8 bit matrix held row-per-byte (Hacker's Delight 7-3; bitshuffle's TRANS_BIT_8X8).</summary>
    internal static ulong Transpose8x8(ulong x)
    {
        ulong t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAUL; x ^= t ^ (t << 7);
        t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCUL; x ^= t ^ (t << 14);
        t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0UL; x ^= t ^ (t << 28);
        return x;
    }
}
