using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// Builds one frame in a pooled buffer, on the sending thread: <c>u32 length | u8 kind | payload</c>, the length
/// counting the kind and the payload. The connection's writer copies it to the socket and returns the buffer.
/// </summary>
/// <remarks>
/// <para>Building on the sender's thread is what gives messages copy semantics across nodes (the bytes are taken when
/// the message is sent, not when the socket gets to it) and lets a message that cannot be serialized fail at the
/// sender.</para>
/// <para>A released builder is kept by the releasing thread for its next frame, buffer included, so a thread that
/// sends message after message allocates nothing for framing.</para>
/// </remarks>
internal sealed class FrameBuilder : IBufferWriter<byte>
{
    /// <summary>The bytes before the payload: the length and the kind.</summary>
    public const int HeaderSize = 5;

    private const int InitialSize = 256;

    /// <summary>A builder whose buffer grew beyond this is not kept for reuse (one huge message must not pin its buffer).</summary>
    private const int LargestKeptBuffer = 16 * 1024;

    [ThreadStatic]
    private static FrameBuilder? t_spare;

    private byte[] _buffer;
    private int _written;
    private bool _released;

    private FrameBuilder(FrameKind kind)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        Reset(kind);
    }

    /// <summary>The frame's kind.</summary>
    public FrameKind Kind { get; private set; }

    /// <summary>How many payload bytes have been written.</summary>
    public int PayloadLength => _written - HeaderSize;

    /// <summary>Starts a frame of <paramref name="kind"/>.</summary>
    public static FrameBuilder Start(FrameKind kind)
    {
        if (t_spare is { } spare)
        {
            t_spare = null;
            spare.Reset(kind);
            return spare;
        }
        return new FrameBuilder(kind);
    }

    private void Reset(FrameKind kind)
    {
        _buffer[4] = (byte)kind;
        _written = HeaderSize;
        Kind = kind;
        _released = false;
    }

    /// <inheritdoc />
    public void Advance(int count) => _written += count;

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value)
    {
        Reserve(1);
        _buffer[_written++] = value;
    }

    /// <summary>Writes a 64-bit integer (little endian).</summary>
    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _written += 8;
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    /// <summary>Writes a string as <c>u16 byteLength | UTF-8</c> (at most 65535 bytes).</summary>
    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"A string of {length} bytes is too long for a frame field (at most {ushort.MaxValue}).", nameof(value));
        }
        var span = GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
        Encoding.UTF8.GetBytes(value, span[2..]);
        _written += 2 + length;
    }

    /// <summary>Finishes the frame (writes its length) and returns all its bytes.</summary>
    /// <exception cref="FrameProtocolException">The frame is larger than <paramref name="maxFrameSize"/>.</exception>
    public ReadOnlySpan<byte> Complete(int maxFrameSize)
    {
        var length = _written - 4;
        if (length > maxFrameSize)
        {
            throw new FrameProtocolException($"A {Kind} frame of {length} bytes is larger than the {maxFrameSize} bytes a frame may have.");
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)length);
        return _buffer.AsSpan(0, _written);
    }

    /// <summary>The payload written so far (after the header).</summary>
    public ReadOnlyMemory<byte> Payload => _buffer.AsMemory(HeaderSize, _written - HeaderSize);

    /// <summary>The whole frame, after <see cref="Complete"/>.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _written);

    /// <summary>Gives the builder up (its bytes are not read afterwards): this thread keeps it for its next frame, or its buffer goes back to the pool.</summary>
    /// <exception cref="InvalidOperationException">The builder was already released.</exception>
    public void Release()
    {
        if (_released)
        {
            throw new InvalidOperationException($"A {Kind} frame was released twice.");
        }
        _released = true;
        if (t_spare is null && _buffer.Length <= LargestKeptBuffer)
        {
            t_spare = this;
            return;
        }
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Reserve(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
