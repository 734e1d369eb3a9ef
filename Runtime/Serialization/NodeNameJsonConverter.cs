using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcessGrid.Runtime.Serialization;

/// <summary>Writes a node name as its <c>name@host</c> text.</summary>
internal sealed class NodeNameJsonConverter : JsonConverter<NodeName>
{
    /// <inheritdoc />
    public override NodeName Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is null ? NodeName.None : NodeName.TryParse(text, out var node) ? node : throw new JsonException($"'{text}' is not a node name.");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, NodeName value, JsonSerializerOptions options)
    {
        if (value.IsNone)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}
