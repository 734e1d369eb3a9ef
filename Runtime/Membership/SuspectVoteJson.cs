using System.Text.Json;

namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The stored form of a row's suspicion votes: a JSON array, oldest first, of
/// <c>{"voter": "name@host", "creation": 123, "at": "2026-01-02T03:04:05.123456+00:00"}</c>.
/// </summary>
/// <remarks>
/// JSON rather than Orleans' <c>address,date|address,date</c> text: operators can query it (<c>jsonb</c> operators) and
/// it needs no escaping rules of our own. The order of the array is the order of the list, which
/// <c>jsonb</c> keeps.
/// </remarks>
internal static class SuspectVoteJson
{
    private const string VoterProperty = "voter";
    private const string CreationProperty = "creation";
    private const string AtProperty = "at";

    /// <summary>Writes <paramref name="votes"/> as JSON.</summary>
    public static string Write(IReadOnlyList<SuspectVote> votes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var vote in votes)
            {
                writer.WriteStartObject();
                writer.WriteString(VoterProperty, vote.Voter.Value);
                writer.WriteNumber(CreationProperty, vote.VoterCreation);
                writer.WriteString(AtProperty, vote.At);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads votes written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a vote list (the table was changed by hand or by something else).</exception>
    public static IReadOnlyList<SuspectVote> Read(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"Suspicion votes must be a JSON array; found {document.RootElement.ValueKind}.");
            }
            var votes = new SuspectVote[document.RootElement.GetArrayLength()];
            var i = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var voterText = element.GetProperty(VoterProperty).GetString();
                if (!NodeName.TryParse(voterText, out var voter))
                {
                    throw new InvalidDataException($"'{voterText}' in the suspicion votes is not a node name.");
                }
                votes[i++] = new SuspectVote(voter, element.GetProperty(CreationProperty).GetInt64(), element.GetProperty(AtProperty).GetDateTimeOffset());
            }
            return Array.AsReadOnly(votes);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"The stored suspicion votes are not a vote list: {e.Message}", e);
        }
    }
}
