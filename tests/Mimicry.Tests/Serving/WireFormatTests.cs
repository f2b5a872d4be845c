using Mimicry.Serving.Wire;

namespace Mimicry.Tests.Serving;

/// <summary>
/// openpi's msgpack_numpy format (openpi-client <c>msgpack_numpy.py</c>: <c>pack_array</c> writes
/// <c>{b"__ndarray__": True, b"data": obj.tobytes(), b"dtype": obj.dtype.str, b"shape": obj.shape}</c> with
/// msgpack-python's defaults, so bytes keys are bin and the dtype is str), against bytes worked out by hand.
/// </summary>
public class WireFormatTests
{
    private static byte[] Bin(string ascii) => [0xc4, (byte)ascii.Length, .. System.Text.Encoding.ASCII.GetBytes(ascii)];
    private static byte[] Str(string ascii) => [(byte)(0xa0 | ascii.Length), .. System.Text.Encoding.ASCII.GetBytes(ascii)];

    /// <summary>np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32) through pack_array.</summary>
    private static readonly byte[] Float32Array2x3 =
    [
        0x84,
        .. Bin("__ndarray__"), 0xc3,
        .. Bin("data"), 0xc4, 24,
            0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40, // 1f, 2f, 3f little-endian
            0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0xc0, 0x40, // 4f, 5f, 6f
        .. Bin("dtype"), .. Str("<f4"),
        .. Bin("shape"), 0x92, 0x02, 0x03,
    ];

    /// <summary>A 1x2 RGB image, np.uint8 [[[0, 1, 2], [250, 254, 255]]].</summary>
    private static readonly byte[] UInt8Image1x2 =
    [
        0x84,
        .. Bin("__ndarray__"), 0xc3,
        .. Bin("data"), 0xc4, 6, 0, 1, 2, 250, 254, 255,
        .. Bin("dtype"), .. Str("|u1"),
        .. Bin("shape"), 0x93, 0x01, 0x02, 0x03,
    ];

    [Fact]
    public void A_float32_array_is_written_as_openpi_writes_it()
    {
        var bytes = MsgpackNumpy.Pack(NdArray.Float32([1, 2, 3, 4, 5, 6], 2, 3));
        Assert.Equal(Float32Array2x3, bytes);
    }

    [Fact]
    public void A_uint8_image_is_written_as_openpi_writes_it()
    {
        var bytes = MsgpackNumpy.Pack(NdArray.UInt8([0, 1, 2, 250, 254, 255], 1, 2, 3));
        Assert.Equal(UInt8Image1x2, bytes);
    }

    [Fact]
    public void Python_frames_are_read_back_to_their_values()
    {
        // {"state": <the float array>, "image": <the image>, "prompt": "push"} as msgpack-python packs a dict: str keys.
        byte[] frame = [0x83, .. Str("state"), .. Float32Array2x3, .. Str("image"), .. UInt8Image1x2, .. Str("prompt"), .. Str("push")];
        var map = Assert.IsType<Dictionary<string, object?>>(MsgpackNumpy.Unpack(frame));
        var state = Assert.IsType<NdArray>(map["state"]);
        Assert.Equal([2L, 3L], state.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], state.ToFloats("state"));
        var image = Assert.IsType<NdArray>(map["image"]);
        Assert.Equal("|u1", image.Dtype);
        Assert.Equal([0f, 1f, 2f, 250f, 254f, 255f], image.ToFloats("image"));
        Assert.Equal("push", map["prompt"]);
    }

    [Fact]
    public void Numpy_scalars_and_float64_values_are_read()
    {
        // {b"__npgeneric__": True, b"data": 0.5, b"dtype": "<f8"} and a float64 array of one value, 2.5.
        byte[] scalar = [0x83, .. Bin("__npgeneric__"), 0xc3, .. Bin("data"), 0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0, .. Bin("dtype"), .. Str("<f8")];
        Assert.Equal(0.5, MsgpackNumpy.Unpack(scalar));
        byte[] array = [0x84, .. Bin("__ndarray__"), 0xc3, .. Bin("data"), 0xc4, 8, 0, 0, 0, 0, 0, 0, 0x04, 0x40, .. Bin("dtype"), .. Str("<f8"), .. Bin("shape"), 0x91, 0x01];
        Assert.Equal([2.5f], Assert.IsType<NdArray>(MsgpackNumpy.Unpack(array)).ToFloats("x"));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("trailing")]
    [InlineData("short data")]
    [InlineData("deep")]
    [InlineData("ext")]
    public void Malformed_frames_are_refused_with_one_line(string how)
    {
        byte[] frame = how switch
        {
            "truncated" => Float32Array2x3[..^3],
            "trailing" => [.. Float32Array2x3, 0xc0],
            "short data" => [.. Float32Array2x3[..^2], 0x03, 0x03], // shape (3, 3): 36 bytes expected, 24 given
            "deep" => [.. Enumerable.Repeat((byte)0x91, 100), 0xc0],
            _ => [0xd4, 0x01, 0x00], // fixext 1
        };
        var e = Assert.Throws<InvalidDataException>(() => MsgpackNumpy.Unpack(frame));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Big_endian_and_complex_arrays_are_not_read()
    {
        var big = new NdArray(">f4", [1], [0x3f, 0x80, 0, 0]);
        Assert.Contains("'state'", Assert.Throws<InvalidDataException>(() => big.ToFloats("state")).Message);
        var complex = new NdArray("<c8", [1], new byte[8]);
        Assert.Contains("<c8", Assert.Throws<InvalidDataException>(() => complex.ToFloats("state")).Message);
    }
}
