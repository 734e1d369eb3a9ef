using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcessGrid.Runtime.Serialization;

/// <summary>Writes an exit reason as its parts (kind, detail, exception type); the exception object itself stays on its node.</summary>
internal sealed class ExitReasonJsonConverter : JsonConverter<ExitReason>
{
    /// <inheritdoc />
    public override ExitReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An exit reason is an object.");
        }
        ExitReasonKind? kind = null;
        string? detail = null, exceptionType = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "kind":
                    kind = Enum.TryParse<ExitReasonKind>(reader.GetString(), out var parsed) ? parsed : ExitReasonKind.Custom;
                    break;
                case "detail":
                    detail = reader.GetString();
                    break;
                case "type":
                    exceptionType = reader.GetString();
                    break;
                default:
                    reader.Skip(); // A newer node may add parts; an older one ignores them.
                    break;
            }
        }
        return ExitReason.FromParts(kind ?? throw new JsonException("An exit reason needs its kind."), detail, exceptionType);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ExitReason value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", value.Kind.ToString());
        if (value.Detail is not null)
        {
            writer.WriteString("detail", value.Detail);
        }
        if (value.ExceptionType is not null)
        {
            writer.WriteString("type", value.ExceptionType);
        }
        writer.WriteEndObject();
    }
}
