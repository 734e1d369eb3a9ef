using System.Buffers;
using System.Text;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// Reads the fields of one frame's payload. Every read checks what is left, so a truncated or lying frame raises
/// <see cref="FrameProtocolException"/> (and its connection is closed) instead of reading garbage.
/// </summary>
internal ref struct FrameReader
{
    private SequenceReader<byte> _reader;

    public FrameReader(ReadOnlySequence<byte> payload) => _reader = new SequenceReader<byte>(payload);

    /// <summary>The bytes not read yet.</summary>
    public readonly ReadOnlySequence<byte> Remaining => _reader.UnreadSequence;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool End => _reader.End;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte() => _reader.TryRead(out var value) ? value : throw Truncated("a byte");

    /// <summary>Reads a 64-bit integer.</summary>
    public long ReadInt64() => _reader.TryReadLittleEndian(out long value) ? value : throw Truncated("a 64-bit integer");

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes.</summary>
    public void ReadBytes(Span<byte> destination)
    {
        if (!_reader.TryCopyTo(destination))
        {
            throw Truncated($"{destination.Length} bytes");
        }
        _reader.Advance(destination.Length);
    }

    /// <summary>Reads a string written as <c>u16 byteLength | UTF-8</c>.</summary>
    public string ReadString()
    {
        if (!_reader.TryReadLittleEndian(out short raw))
        {
            throw Truncated("a string length");
        }
        var length = (ushort)raw;
        if (_reader.Remaining < length)
        {
            throw Truncated($"a string of {length} bytes");
        }
        var bytes = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FrameProtocolException("A frame holds a string that is not valid UTF-8.");
        }
    }

    /// <summary>Takes the rest of the payload.</summary>
    public ReadOnlySequence<byte> ReadRest()
    {
        var rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    private static FrameProtocolException Truncated(string what) => new($"A frame ended before {what} it should hold.");
}
