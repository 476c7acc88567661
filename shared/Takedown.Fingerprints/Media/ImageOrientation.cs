using System.Buffers.Binary;

namespace Takedown.Fingerprints.Media;

/// <summary>
/// The EXIF Orientation tag (0x0112): how the stored pixels must be turned to show the picture upright. Values are the
/// tag's; names say what a viewer does to the stored image. Cameras write 6 for a portrait photo taken upright.
/// </summary>
public enum ImageOrientation
{
    AsStored = 1,
    MirrorLeftRight = 2,
    Rotate180 = 3,
    MirrorTopBottom = 4,
    Transpose = 5,
    Rotate90Clockwise = 6,
    Transverse = 7,
    Rotate90Anticlockwise = 8,
}

/// <summary>
/// Reads the orientation from a JPEG's EXIF block (metadata bytes, not image data) and applies it to decoded pixels.
/// ffmpeg 5.1's autorotate does honour all eight values for JPEG (checked on the test images), but we switch it off and
/// turn the pixels here, so the result does not depend on which ffmpeg a machine has and the caller learns the value.
/// </summary>
public static class ExifOrientation
{
    private const ushort OrientationTag = 0x0112;
    private const ushort ShortType = 3;

    /// <summary>The orientation in a JPEG's APP1 Exif segment; <see cref="ImageOrientation.AsStored"/> if absent, invalid or not a JPEG.</summary>
    public static ImageOrientation Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 4 || file[0] != 0xFF || file[1] != 0xD8)
        {
            return ImageOrientation.AsStored;
        }
        var at = 2;
        while (at + 4 <= file.Length && file[at] == 0xFF)
        {
            var marker = file[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }
            if (marker is 0xDA or 0xD9)
            {
                break; // start of scan or end of image: metadata segments all come before
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(file[(at + 2)..]);
            if (length < 2 || at + 2 + length > file.Length)
            {
                break;
            }
            var segment = file.Slice(at + 4, length - 2);
            if (marker == 0xE1 && segment.StartsWith("Exif\0\0"u8) && FromTiff(segment[6..]) is { } orientation)
            {
                return orientation;
            }
            at += 2 + length;
        }
        return ImageOrientation.AsStored;
    }

    private static ImageOrientation? FromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return null;
        }
        var little = tiff.StartsWith("II"u8);
        if (!little && !tiff.StartsWith("MM"u8))
        {
            return null;
        }
        ushort U16(ReadOnlySpan<byte> s, int offset) =>
            little ? BinaryPrimitives.ReadUInt16LittleEndian(s[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(s[offset..]);
        var ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        if (U16(tiff, 2) != 42 || ifd < 8 || ifd > tiff.Length - 2)
        {
            return null;
        }
        var entries = U16(tiff, (int)ifd);
        for (var i = 0; i < entries; i++)
        {
            var entry = (int)ifd + 2 + 12 * i;
            if (entry + 12 > tiff.Length)
            {
                break;
            }
            if (U16(tiff, entry) == OrientationTag)
            {
                var value = U16(tiff, entry + 8);
                return U16(tiff, entry + 2) == ShortType && value is >= 1 and <= 8 ? (ImageOrientation)value : null;
            }
        }
        return null;
    }

    /// <summary>The RGB24 pixels as displayed: <paramref name="rgb"/> turned as the orientation says.</summary>
    public static (byte[] Rgb, int Width, int Height) Apply(byte[] rgb, int width, int height, ImageOrientation orientation)
    {
        if (orientation == ImageOrientation.AsStored)
        {
            return (rgb, width, height);
        }
        var swaps = orientation >= ImageOrientation.Transpose;
        var (outWidth, outHeight) = swaps ? (height, width) : (width, height);
        var output = new byte[rgb.Length];
        for (var r = 0; r < outHeight; r++)
        {
            for (var c = 0; c < outWidth; c++)
            {
                // (r, c) on screen comes from stored pixel (sr, sc).
                var (sr, sc) = orientation switch
                {
                    ImageOrientation.MirrorLeftRight => (r, width - 1 - c),
                    ImageOrientation.Rotate180 => (height - 1 - r, width - 1 - c),
                    ImageOrientation.MirrorTopBottom => (height - 1 - r, c),
                    ImageOrientation.Transpose => (c, r),
                    ImageOrientation.Rotate90Clockwise => (height - 1 - c, r),
                    ImageOrientation.Transverse => (height - 1 - c, width - 1 - r),
                    _ => (c, width - 1 - r),
                };
                var from = (sr * width + sc) * 3;
                var to = (r * outWidth + c) * 3;
                output[to] = rgb[from];
                output[to + 1] = rgb[from + 1];
                output[to + 2] = rgb[from + 2];
            }
        }
        return (output, outWidth, outHeight);
    }
}
