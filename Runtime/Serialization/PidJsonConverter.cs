using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcessGrid.Runtime.Serialization;

/// <summary>
/// Writes a pid as its text form and reads it back attached to the receiving node, so that <c>pid.Send</c> on a pid
/// that arrived in a message routes through the node that received it.
/// </summary>
internal sealed class PidJsonConverter(ProcessNode node) : JsonConverter<Pid>
{
    /// <inheritdoc />
    public override Pid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("A pid cannot be null here.");
        var pid = Pid.TryParse(text, out var parsed) ? parsed : throw new JsonException($"'{text}' is not a pid.");
        pid.Host = node;
        return pid;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Pid value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
