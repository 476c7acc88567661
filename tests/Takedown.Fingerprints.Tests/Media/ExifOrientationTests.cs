using System.Buffers.Binary;
using Takedown.Fingerprints.Media;

namespace Takedown.Fingerprints.Tests.Media;

public class ExifOrientationTests
{
    // A 3x2 image whose pixels are numbered 1..6 in their red channel:
    //   1 2 3
    //   4 5 6
    private static readonly byte[] Stored = [.. Enumerable.Range(1, 6).SelectMany(n => new byte[] { (byte)n, 0, 0 })];

    [Theory]
    [InlineData(ImageOrientation.AsStored, 3, 2, new byte[] { 1, 2, 3, 4, 5, 6 })]
    [InlineData(ImageOrientation.MirrorLeftRight, 3, 2, new byte[] { 3, 2, 1, 6, 5, 4 })]
    [InlineData(ImageOrientation.Rotate180, 3, 2, new byte[] { 6, 5, 4, 3, 2, 1 })]
    [InlineData(ImageOrientation.MirrorTopBottom, 3, 2, new byte[] { 4, 5, 6, 1, 2, 3 })]
    [InlineData(ImageOrientation.Transpose, 2, 3, new byte[] { 1, 4, 2, 5, 3, 6 })]
    [InlineData(ImageOrientation.Rotate90Clockwise, 2, 3, new byte[] { 4, 1, 5, 2, 6, 3 })]
    [InlineData(ImageOrientation.Transverse, 2, 3, new byte[] { 6, 3, 5, 2, 4, 1 })]
    [InlineData(ImageOrientation.Rotate90Anticlockwise, 2, 3, new byte[] { 3, 6, 2, 5, 1, 4 })]
    public void Each_orientation_turns_the_stored_pixels_as_a_viewer_would(ImageOrientation orientation, int width, int height, byte[] expected)
    {
        var (rgb, w, h) = ExifOrientation.Apply(Stored, 3, 2, orientation);

        Assert.Equal((width, height), (w, h));
        Assert.Equal(expected, Enumerable.Range(0, 6).Select(p => rgb[3 * p]).ToArray());
    }

    [Theory]
    [InlineData(true, 6)]
    [InlineData(false, 8)]
    public void The_tag_is_read_in_either_byte_order(bool bigEndian, int value)
    {
        Assert.Equal((ImageOrientation)value, ExifOrientation.Read(Jpeg(Exif(bigEndian, 0x0112, 3, value))));
    }

    [Fact]
    public void The_committed_test_jpegs_carry_the_orientation_in_their_names()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "TestData", "media");
        for (var o = 1; o <= 8; o++)
        {
            Assert.Equal((ImageOrientation)o, ExifOrientation.Read(File.ReadAllBytes(Path.Combine(dir, $"orientation-{o}.jpg"))));
        }
    }

    [Fact]
    public void Anything_without_a_valid_tag_is_as_stored()
    {
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read([]));
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "media", "upright.png"))));
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read(Jpeg([])));
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read(Jpeg(Exif(true, 0x0112, 3, 9)))); // out of range
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read(Jpeg(Exif(true, 0x0112, 4, 6)))); // not a SHORT
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read(Jpeg(Exif(true, 0x0110, 3, 6)))); // another tag
        var truncated = Jpeg(Exif(true, 0x0112, 3, 6));
        Assert.Equal(ImageOrientation.AsStored, ExifOrientation.Read(truncated.AsSpan(0, 20)));
    }

    // SOI, an APP1 segment with the EXIF payload (if any), then SOS so the scan starts where metadata ends.
    private static byte[] Jpeg(byte[] exifPayload)
    {
        var segments = new List<byte> { 0xFF, 0xD8 };
        if (exifPayload.Length > 0)
        {
            segments.AddRange([0xFF, 0xE1, (byte)((exifPayload.Length + 2) >> 8), (byte)(exifPayload.Length + 2)]);
            segments.AddRange(exifPayload);
        }
        segments.AddRange([0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
        return [.. segments];
    }

    private static byte[] Exif(bool bigEndian, ushort tag, ushort type, int value)
    {
        var tiff = new byte[8 + 2 + 12 + 4];
        void U16(int at, int v)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v);
            else BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v);
        }
        tiff[0] = tiff[1] = (byte)(bigEndian ? 'M' : 'I');
        U16(2, 42);
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);
        else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        U16(8, 1);
        U16(10, tag);
        U16(12, type);
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);
        else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);
        U16(18, value);
        return [.. "Exif\0\0"u8.ToArray(), .. tiff];
    }
}
