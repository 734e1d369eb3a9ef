using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcessGrid.Runtime.Serialization;

/// <summary>
/// Writes a value held as <see cref="object"/> (a member typed <c>object</c>, an element of a <c>List&lt;object&gt;</c>)
/// with its runtime type, <c>{"$t": "Type, Assembly", "$v": value}</c>, so that it comes back as the same type rather
/// than as raw JSON.
/// </summary>
internal sealed class AnyValueJsonConverter : JsonConverter<object>
{
    /// <inheritdoc />
    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A value typed object is written as {\"$t\": type, \"$v\": value}.");
        }
        reader.Read();
        if (reader.TokenType != JsonTokenType.PropertyName || reader.GetString() != "$t")
        {
            throw new JsonException("A value typed object starts with its type ($t).");
        }
        reader.Read();
        var name = reader.GetString()!;
        var type = TypeNames.Resolve(name) ?? throw new UnknownMessageTypeException(name);
        reader.Read();
        if (reader.TokenType != JsonTokenType.PropertyName || reader.GetString() != "$v")
        {
            throw new JsonException("A value typed object carries its value ($v) after its type.");
        }
        reader.Read();
        var value = JsonSerializer.Deserialize(ref reader, type, options);
        reader.Read(); // EndObject
        return value;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        var type = value.GetType();
        writer.WriteStartObject();
        writer.WriteString("$t", TypeNames.Of(type));
        writer.WritePropertyName("$v");
        if (type == typeof(object))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            JsonSerializer.Serialize(writer, value, type, options);
        }
        writer.WriteEndObject();
    }
}
