namespace ProcessGrid.Runtime.Persistence;

/// <summary>A stored record of persistent state, as a store returns it.</summary>
/// <param name="Version">How many writes and clears it has seen; at least 1 (a key never written has no record).</param>
/// <param name="Payload">The state as JSON; null once cleared.</param>
/// <param name="WrittenBy">The node that wrote this version.</param>
/// <param name="WrittenAt">When this version was written.</param>
internal sealed record StoredState(long Version, string? Payload, string WrittenBy, DateTimeOffset WrittenAt);
