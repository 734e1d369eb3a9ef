using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace ProcessGrid.Runtime.Serialization;

/// <summary>
/// Turns messages into bytes for another node and back. A message is written as its type's wire name followed by
/// its value as JSON (System.Text.Json), which gives version tolerance for free: a member the receiver does not know
/// is skipped, a member the sender did not send gets its default, so adding a member to a message type does not break
/// a node that runs the old version.
/// </summary>
/// <remarks>
/// <para>Layout: <c>u16 nameLength | name (UTF-8) | JSON</c>. Pids travel as their text form and come back attached to
/// the receiving node; exit reasons as their parts; members typed <c>object</c> with their runtime type.</para>
/// <para>Trust: connections are authenticated with the cluster cookie, and peers are trusted to name the types of
/// their messages (as in Erlang's distribution). Only public members are read and written; no code is carried.</para>
/// </remarks>
internal sealed class MessageSerializer
{
    private readonly JsonSerializerOptions _options;

    public MessageSerializer(ProcessNode node)
    {
        _options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            IncludeFields = true,
            // Get-only collections (public List<int> History { get; } = []) are filled, as a reader of the class expects.
            PreferredObjectCreationHandling = System.Text.Json.Serialization.JsonObjectCreationHandling.Populate,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        _options.Converters.Add(new PidJsonConverter(node));
        _options.Converters.Add(new NodeNameJsonConverter());
        _options.Converters.Add(new ExitReasonJsonConverter());
        _options.Converters.Add(new AnyValueJsonConverter());
        _options.MakeReadOnly(populateMissingResolver: true);
    }

    /// <summary>Writes <paramref name="message"/> (type name, then value).</summary>
    /// <exception cref="MessageSerializationException">The message's type cannot be serialized; nothing usable was written.</exception>
    public void Serialize(IBufferWriter<byte> output, object message)
    {
        var type = message.GetType();
        if (type.IsAssignableTo(typeof(Delegate)))
        {
            throw new MessageSerializationException(type, "it is a delegate (a closure or function), and code cannot cross nodes.");
        }
        var name = TypeNames.Of(type);
        var nameLength = Encoding.UTF8.GetByteCount(name);
        var header = output.GetSpan(2 + nameLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header, checked((ushort)nameLength));
        Encoding.UTF8.GetBytes(name, header[2..]);
        output.Advance(2 + nameLength);
        try
        {
            using var writer = new Utf8JsonWriter(output);
            JsonSerializer.Serialize(writer, message, type, _options);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw new MessageSerializationException(type, e.Message, e);
        }
    }

    /// <summary>Reads a message written by <see cref="Serialize"/>.</summary>
    /// <exception cref="UnknownMessageTypeException">This node cannot load the message's type.</exception>
    /// <exception cref="JsonException">The bytes are not a message.</exception>
    public object Deserialize(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        if (!reader.TryReadLittleEndian(out short rawLength) || reader.Remaining < (ushort)rawLength)
        {
            throw new JsonException("A message is shorter than its type name.");
        }
        var nameLength = (ushort)rawLength;
        var name = Encoding.UTF8.GetString(input.Slice(reader.Position, nameLength));
        var type = TypeNames.Resolve(name) ?? throw new UnknownMessageTypeException(name);
        var json = new Utf8JsonReader(input.Slice(2 + nameLength));
        return JsonSerializer.Deserialize(ref json, type, _options) ?? throw new JsonException($"A {name} message cannot be null.");
    }
}
