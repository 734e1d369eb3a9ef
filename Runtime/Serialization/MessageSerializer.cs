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
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

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
        var name = TypeNames.Utf8Of(type);
        var header = output.GetSpan(2 + name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header, checked((ushort)name.Length));
        name.CopyTo(header[2..]);
        output.Advance(2 + name.Length);
        // The thread's writer is reused (taken while in use, in case a converter ever serializes a message itself).
        var writer = t_writer ?? new Utf8JsonWriter(output);
        t_writer = null;
        try
        {
            writer.Reset(output);
            JsonSerializer.Serialize(writer, message, type, _options);
            writer.Flush();
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw new MessageSerializationException(type, e.Message, e);
        }
        finally
        {
            writer.Reset(); // Lets go of the output.
            t_writer = writer;
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> as JSON by the same rules as messages, without the type name (the reader knows
    /// the type): the form in which persistent state is stored.
    /// </summary>
    /// <exception cref="NotSupportedException">The type cannot be serialized (a delegate, a pointer, a cycle...).</exception>
    public string SerializeValue(object? value, Type type)
    {
        if (type.IsAssignableTo(typeof(Delegate)) || value is Delegate)
        {
            throw new NotSupportedException($"{type.FullName} is a delegate (a closure or function), which cannot be stored as data.");
        }
        try
        {
            return JsonSerializer.Serialize(value, type, _options);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
        {
            throw new NotSupportedException(e.Message, e);
        }
    }

    /// <summary>Reads a value of <paramref name="type"/> written by <see cref="SerializeValue"/>.</summary>
    /// <exception cref="JsonException">The text is not a <paramref name="type"/>.</exception>
    public object? DeserializeValue(string json, Type type) => JsonSerializer.Deserialize(json, type, _options);

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
        var nameBytes = input.Slice(reader.Position, nameLength);
        var type = (nameBytes.IsSingleSegment ? TypeNames.Resolve(nameBytes.FirstSpan) : TypeNames.Resolve(Encoding.UTF8.GetString(nameBytes)))
            ?? throw new UnknownMessageTypeException(Encoding.UTF8.GetString(nameBytes));
        var json = new Utf8JsonReader(input.Slice(2 + nameLength));
        return JsonSerializer.Deserialize(ref json, type, _options) ?? throw new JsonException($"A {TypeNames.Of(type)} message cannot be null.");
    }
}
