using System.Buffers;
using System.Buffers.Binary;

namespace ProcessGrid.Runtime.Transport;

/// <summary>Cuts frames out of the bytes a connection has received.</summary>
internal static class FrameParser
{
    /// <summary>
    /// Takes the next whole frame from the front of <paramref name="buffer"/>. False when the buffer does not hold a
    /// whole frame yet (read more).
    /// </summary>
    /// <exception cref="FrameProtocolException">The frame announces a length of zero or above <paramref name="maxFrameSize"/>.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out FrameKind kind, out ReadOnlySequence<byte> payload)
    {
        kind = default;
        payload = default;
        if (buffer.Length < FrameBuilder.HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[FrameBuilder.HeaderSize];
        buffer.Slice(0, FrameBuilder.HeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length == 0 || length > (uint)maxFrameSize)
        {
            throw new FrameProtocolException(length == 0
                ? "A frame announced a length of 0 (a frame holds at least its kind)."
                : $"A frame announced {length} bytes, more than the {maxFrameSize} bytes a frame may have.");
        }
        if (buffer.Length < 4 + length)
        {
            return false;
        }
        kind = (FrameKind)header[4];
        payload = buffer.Slice(FrameBuilder.HeaderSize, length - 1);
        buffer = buffer.Slice(4 + length);
        return true;
    }
}
